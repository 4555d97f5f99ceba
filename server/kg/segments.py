"""Segment-tree arithmetic over release positions (the index of a release in ``history.json``).

A node ``(level, index)`` covers the positions ``[index·2^level, (index+1)·2^level)``. An interval of
positions ``[start, end)`` is stored in its canonical nodes (:func:`decompose`: the maximal aligned
blocks inside it, at most two per level), and position ``p`` lies in exactly one node per level,
``(level, p >> level)`` (:func:`covers`). So a statement valid on ``[start, end)`` is in the union of
the nodes on ``p``'s root-to-leaf path exactly when ``start <= p < end``.
"""
from __future__ import annotations

Node = tuple[int, int]
ARITY = 2  # recorded in history.json: a history of another arity starts afresh


def capacity(position: int) -> int:
    """The tree's width while ``position`` is the newest release: the smallest power of two above it.
    It doubles when the newest position reaches a power of two."""
    return 1 << position.bit_length()


def decompose(start: int, end: int) -> list[Node]:
    """The canonical nodes of ``[start, end)``, left to right (empty for an empty interval)."""
    nodes = []
    while start < end:
        level = 0
        while start % (2 << level) == 0 and start + (2 << level) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def covers(node: Node, position: int) -> bool:
    level, index = node
    return index == position >> level


def end_of(node: Node) -> int:
    """The first position after the node."""
    level, index = node
    return (index + 1) << level


def node_name(node: Node) -> str:
    return f"{node[0]}/{node[1]}"


def parse_node(name: str) -> Node | None:
    level, _, index = name.partition("/")
    if not (level.isdigit() and index.isdigit()):
        return None
    return int(level), int(index)
