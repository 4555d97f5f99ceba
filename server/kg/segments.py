"""Segment-tree arithmetic over release positions (the index of a release in ``history.json``).

The tree has :data:`ARITY` children per node. A node ``(level, index)`` covers the positions
``[index·b^level, (index+1)·b^level)`` (b = ARITY). An interval of positions ``[start, end)`` is stored
in its canonical nodes (:func:`decompose`: the maximal aligned blocks inside it, at most 2(b−1) per
level), and position ``p`` lies in exactly one node per level, ``(level, p // b^level)``
(:func:`covers`). So a statement valid on ``[start, end)`` is in the union of the nodes on ``p``'s
root-to-leaf path exactly when ``start <= p < end``.

The arity trades reads against storage: a past release reads the base and one graph per level
(log_b n), an interval is stored in up to 2(b−1)·log_b n nodes. With 20 retained releases of 1 %
change (``bench/history_bench.py``, simulated): b = 2 reads 5 levels and stores 93k segment quads at
100k triples, b = 3 reads 3 levels and stores 111k, b = 4 reads 3 levels and stores 165k.
"""
from __future__ import annotations

Node = tuple[int, int]
ARITY = 3  # recorded in history.json: a history of another arity starts afresh


def capacity(position: int) -> int:
    """The tree's width while ``position`` is the newest release: the smallest power of the arity
    above it. It grows (× ARITY) when the newest position reaches that power."""
    width = 1
    while width <= position:
        width *= ARITY
    return width


def grown(width: int) -> list[Node]:
    """The nodes that extend ``[a, width)`` to ``[a, width·ARITY)`` for any ``0 < a < width``: the
    siblings right of the old tree."""
    level = 0
    while ARITY ** level < width:
        level += 1
    return [(level, index) for index in range(1, ARITY)]


def levels(width: int) -> int:
    """How many levels a tree of ``width`` positions has (one graph each on a path)."""
    count = 1
    while ARITY ** (count - 1) < width:
        count += 1
    return count


def decompose(start: int, end: int) -> list[Node]:
    """The canonical nodes of ``[start, end)``, left to right (empty for an empty interval)."""
    nodes = []
    while start < end:
        level = 0
        while start % ARITY ** (level + 1) == 0 and start + ARITY ** (level + 1) <= end:
            level += 1
        nodes.append((level, start // ARITY ** level))
        start += ARITY ** level
    return nodes


def covers(node: Node, position: int) -> bool:
    level, index = node
    return index == position // ARITY ** level


def end_of(node: Node) -> int:
    """The first position after the node."""
    level, index = node
    return (index + 1) * ARITY ** level


def node_name(node: Node) -> str:
    return f"{node[0]}/{node[1]}"


def parse_node(name: str) -> Node | None:
    level, _, index = name.partition("/")
    if not (level.isdigit() and index.isdigit()):
        return None
    return int(level), int(index)


def most_nodes(width: int) -> int:
    """An upper bound of the nodes one interval inside a tree of ``width`` positions is stored in."""
    return 2 * (ARITY - 1) * levels(width)
