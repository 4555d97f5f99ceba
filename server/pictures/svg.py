"""What the map and the timeline share: where a picture goes and the opening of its SVG document."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

from .texts import Language

FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'
STYLESHEET_PATH = Path(__file__).resolve().parent.parent / "web" / "static" / "css" / "pictures.css"
STYLESHEET = STYLESHEET_PATH.read_text(encoding="utf-8") if STYLESHEET_PATH.exists() else ""


@dataclass(frozen=True)
class Output:
    """How a picture is written: its language, where its links go, the prefix of its element ids
    (unique on a page), and whether it is a standalone file (XML declaration, stylesheet inside)."""

    language: Language
    href: Callable[[str], str]
    id_prefix: str
    standalone: bool = False


def svg_start(output: Output, box: str, title: str, desc: str, data: str = "") -> list[str]:
    """The document up to the drawing: ``<svg>`` (``box``: its size and class attributes; ``data``:
    further attributes), its accessible name and description, and in standalone files the stylesheet."""
    p = output.id_prefix
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'] if output.standalone else []
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" {box} role="group" aria-labelledby="{p}-title" '
               f'aria-describedby="{p}-desc" lang="{output.language.code}"{data}>')
    out.append(f'<title id="{p}-title">{escape(title)}</title>')
    out.append(f'<desc id="{p}-desc">{escape(desc)}</desc>')
    if output.standalone:
        out.append(f"<style>{STYLESHEET}</style>")
    return out
