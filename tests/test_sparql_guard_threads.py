"""Regression: rdflib's SPARQL parser (pyparsing) is not thread-safe. Parsed concurrently in gthread
workers (the remote-store path parses every query in the request thread) it raised spurious
"Malformed query: … missing 1 required positional argument" errors for valid queries."""
from concurrent.futures import ThreadPoolExecutor

from server.settings import PROJECT_ROOT
from server.sparql.guard import Refused, screen

QUERIES = [path.read_text(encoding="utf-8") for path in sorted((PROJECT_ROOT / "queries").glob("*.rq"))]


def screened(query: str) -> str | None:
    try:
        screen(query, full=True)
    except Refused as refused:
        return str(refused)
    return None


def test_valid_queries_pass_the_guard_when_parsed_by_many_threads_at_once():
    assert len(QUERIES) >= 20
    with ThreadPoolExecutor(16) as pool:
        errors = [error for error in pool.map(screened, QUERIES * 20) if error]
    assert errors == []
