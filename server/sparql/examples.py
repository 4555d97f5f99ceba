"""The competency questions in ``queries/cq-NN-<slug>.rq`` as example queries of the query UI.

Each file starts with comment lines ``# title@de: …`` and ``# title@en: …``. Read at request time,
so a new question shows up without a restart.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..settings import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "queries"
TITLE = re.compile(r"^#\s*title@([A-Za-z-]+)\s*:\s*(.+?)\s*$")


def load(folder: Path = QUERIES) -> list[dict]:
    examples = []
    for path in sorted(folder.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        titles = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            match = TITLE.match(line)
            if match:
                titles[match.group(1).lower()] = match.group(2)
        examples.append({"id": path.stem, "titles": titles or {"de": path.stem, "en": path.stem}, "query": text})
    return examples
