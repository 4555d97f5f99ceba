"""Printing located problems for people (rich table) or machines (JSON)."""
from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from .kg.problems import ProblemList

FRAME = {  # the report around the problems, in the language of the messages (--lang)
    "de": {"count": "{n} Problem(e)", "columns": ("Ort", "Datensatz", "Eigenschaft", "Problem"),
           "stages": {"reading": "beim Lesen der Quelldateien", "mapping": "beim Abbilden der Datensätze nach RDF",
                      "validating": "in der SHACL-Validierung"},
           "footer": "Nichts wurde veröffentlicht; der bisherige Stand bleibt in Betrieb."},
    "en": {"count": "{n} problem(s)", "columns": ("where", "record", "property", "problem"),
           "stages": {"reading": "while reading the source files", "mapping": "while mapping the records to RDF",
                      "validating": "in the SHACL validation"},
           "footer": "Nothing was published; the previous build stays in service."},
}


def _short_iri(text: str | None, id_base: str) -> str:
    if not text:
        return ""
    if text.startswith(id_base):
        return text[len(id_base):]
    if "://" not in text:  # already a record id ("person/stefan-huber") or a source key
        return text
    for cut in ("#", "/"):
        if cut in text:
            return text.rsplit(cut, 1)[-1]
    return text


def print_problems(console: Console, problems: ProblemList, stage: str, id_base: str,
                   language: str = "de") -> None:
    frame = FRAME.get(language, FRAME["en"])
    count = frame["count"].format(n=len(problems))
    table = Table(title=f"{count} {frame['stages'].get(stage, '')}", show_lines=True, title_justify="left")
    where, record, prop, problem_column = frame["columns"]
    table.add_column(where, style="cyan", no_wrap=True)
    table.add_column(record)
    table.add_column(prop)
    table.add_column(problem_column)
    for problem in problems:
        table.add_row(str(problem.location or "?"), _short_iri(problem.record, id_base),
                      _short_iri(problem.property, id_base), problem.message)
    console.print(table)
    by_rule: dict[str, int] = {}
    for problem in problems:
        by_rule[problem.rule or "?"] = by_rule.get(problem.rule or "?", 0) + 1
    summary = ", ".join(f"{count} × {rule}" for rule, count in sorted(by_rule.items()))
    console.print(f"[bold red]{count}[/] ({summary}). {frame['footer']}")


def problems_json(problems: ProblemList, stage: str) -> str:
    return json.dumps({"stage": stage, "count": len(problems),
                       "problems": [p.as_dict() for p in problems]}, indent=2, ensure_ascii=False)
