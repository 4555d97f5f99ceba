"""Safe queries against a release's full-text index, ranking and highlighting.

User text never reaches FTS5 syntax: it is folded and split into tokens of letters and digits
(:mod:`.fold`), each token is quoted (``"tok"*``), so quotes, ``NEAR``, ``AND``, ``*``, parentheses,
column filters or NUL are plain words or separators. Length and token count are capped. All
tokens must match (AND); if that finds nothing, any token may match (OR), ranked the same way.

Ranking: the FTS5 ``bm25`` (column weights label > keys > names > description) of up to
``CANDIDATES`` best matches, plus whole-label matches looked up in the ``exact`` table, re-scored
with boosts: exact label / name / key, label starting with the query, all words in the label;
roles, participations and fundings rank below things, ontology terms below both.

The server reads the index of the release in service (``store.release().path``), so search switches
together with the release.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

from .fold import TOKEN, normal, normal_variants, tokens as fold_tokens, variants
from .index import EXACT_KEY, EXACT_LABEL, EXACT_NAME, FILE_NAME

MAX_QUERY_CHARS = 200
MAX_TOKENS = 8
MAX_TOKEN_CHARS = 64
CANDIDATES = 200
SCAN_CAP = 2000  # at most this many FTS matches are ranked per stage (exact matches always are)
TYPED_SCAN_CAP = 20000
COLUMN_WEIGHTS = (10.0, 6.0, 8.0, 1.0)  # label, names, keys, descr
NAME_COLUMNS = ("label", "names", "keys")
KIND_PENALTY = {0: 0.0, 1: -8.0, 2: -12.0}
BOOST_EXACT = {EXACT_LABEL: 60.0, EXACT_NAME: 50.0, EXACT_KEY: 50.0}


class SearchUnavailable(RuntimeError):
    """No index for the release in service (not built, or a store without a local release)."""


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the cleaned user text (capped, without control characters)
    tokens: tuple[str, ...]  # folded tokens

    @property
    def normal(self) -> str:
        return " ".join(self.tokens)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse(text) -> ParsedQuery:
    """Clean and tokenize user input; never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _CONTROL.sub(" ", text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()
    found = []
    for token in fold_tokens(text):
        token = token[:MAX_TOKEN_CHARS]
        if token not in found:
            found.append(token)
        if len(found) == MAX_TOKENS:
            break
    return ParsedQuery(text, tuple(found))


def match_expression(tokens, *, any_token: bool = False, columns=None, prefix: bool = True) -> str:
    """An FTS5 MATCH expression built only from quoted folded tokens."""
    parts = []
    for token in tokens:
        if not TOKEN.fullmatch(token):  # defensive: tokens are [^\W_]+ by construction
            continue
        parts.append(f'"{token}"' + ("*" if prefix and len(token) > 1 else ""))  # 1 letter: whole word
    if not parts:
        return ""
    expression = (" OR " if any_token else " AND ").join(parts)
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


@dataclass
class Hit:
    id: int
    iri: str
    type: str
    type_labels: tuple[str, str]
    labels: tuple[str, str]
    descriptions: tuple[str, str]
    kind: int
    data: dict
    score: float = 0.0
    exact: int | None = None  # EXACT_LABEL / EXACT_NAME / EXACT_KEY when the whole query matched

    def label(self, lang: str = "de") -> str:
        return self.labels[1] if lang == "en" and self.labels[1] else self.labels[0]

    def type_label(self, lang: str = "de") -> str:
        return self.type_labels[1] if lang == "en" and self.type_labels[1] else self.type_labels[0]

    def description(self, lang: str = "de") -> str:
        return self.descriptions[1] if lang == "en" and self.descriptions[1] else self.descriptions[0]

    @property
    def all_labels(self) -> list[str]:
        return [v for values in self.data.get("labels", {}).values() for v in values]


@dataclass
class Results:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # matches found (capped at CANDIDATES + exact matches)
    capped: bool = False
    fallback: bool = False  # no resource had every word: any word was enough


_RESOURCE_COLUMNS = "id, iri, type, type_de, type_en, label_de, label_en, descr_de, descr_en, kind, data"


def _hit(row) -> Hit:
    return Hit(row[0], row[1], row[2], (row[3], row[4]), (row[5], row[6]), (row[7], row[8]), row[9],
               json.loads(row[10]))


class SearchIndex:
    """Read-only access to one ``search.sqlite`` (one connection per thread)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise SearchUnavailable(f"No search index at {self.path}.")
        self._local = threading.local()

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self._local.connection = connection
        return connection

    # -- lookups ---------------------------------------------------------------------------
    def get(self, iri: str) -> Hit | None:
        row = self.db.execute(f"SELECT {_RESOURCE_COLUMNS} FROM resources WHERE iri = ?", (iri,)).fetchone()
        return _hit(row) if row else None

    def _resources_where(self, column: str, values) -> list:
        """Rows of the resources whose ``column`` is one of ``values`` (in chunks SQLite accepts)."""
        values = list(dict.fromkeys(values))
        rows = []
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(f"SELECT {_RESOURCE_COLUMNS} FROM resources WHERE {column} IN ({marks})", chunk)
        return rows

    def get_many(self, iris) -> dict[str, Hit]:
        return {row[1]: _hit(row) for row in self._resources_where("iri", iris)}

    def types(self) -> list[tuple[str, str, str, int]]:
        """(type IRI, German label, English label, number of resources) of every primary type."""
        return [tuple(row) for row in self.db.execute(
            "SELECT type, type_de, type_en, COUNT(*) FROM resources GROUP BY type ORDER BY type")]

    def type_iris(self) -> list[str]:
        """Every type IRI any resource has (primary or not)."""
        return [iri for (iri,) in self.db.execute("SELECT DISTINCT type FROM types")]

    def example_types(self, type_iri: str) -> list[str] | None:
        """All types of one resource of type ``type_iri`` (None when there is none)."""
        row = self.db.execute("SELECT r.data FROM types t JOIN resources r ON r.id = t.rid WHERE t.type = ? "
                              "LIMIT 1", (type_iri,)).fetchone()
        return json.loads(row[0]).get("types", []) if row else None

    def by_exact(self, value: str, types=()) -> dict[int, int]:
        """Resources with a whole label/name/key equal to ``value`` (folded): id → best field."""
        found: dict[int, int] = {}
        terms = normal_variants(value) if isinstance(value, str) else []
        for term in terms[:2]:
            sql, params = "SELECT rid, MIN(field) FROM exact WHERE term = ?", [term]
            if types:
                sql += f" AND rid IN (SELECT rid FROM types WHERE type IN ({','.join('?' * len(types))}))"
                params += list(types)
            for rid, best in self.db.execute(sql + " GROUP BY rid", params):
                found[rid] = min(best, found.get(rid, best))
        return found

    def by_ids(self, ids) -> dict[int, Hit]:
        """Resources by their row id (the ids :meth:`by_exact` answers): id → hit."""
        return {row[0]: _hit(row) for row in self._resources_where("id", ids)}

    def _fts(self, expression: str, types, limit: int) -> list[tuple[int, float]]:
        """Best ``limit`` matches by bm25 among at most ``SCAN_CAP`` matches (``TYPED_SCAN_CAP`` with
        a type filter): bounded work however common the words are."""
        if not expression:
            return []
        params: list = [*COLUMN_WEIGHTS, expression]
        if types:
            sql = ("SELECT f.rowid, f.r FROM (SELECT rowid, bm25(fts, ?, ?, ?, ?) AS r FROM fts WHERE fts MATCH ? "
                   "LIMIT ?) AS f WHERE EXISTS (SELECT 1 FROM types t WHERE t.rid = f.rowid AND t.type IN "
                   f"({','.join('?' * len(types))})) ORDER BY f.r LIMIT ?")
            params += [TYPED_SCAN_CAP, *types, limit]
        else:
            sql = ("SELECT f.rowid, f.r FROM (SELECT rowid, bm25(fts, ?, ?, ?, ?) AS r FROM fts WHERE fts MATCH ? "
                   "LIMIT ?) AS f ORDER BY f.r LIMIT ?")
            params += [SCAN_CAP, limit]
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # cannot happen with quoted tokens; never error on input
            return []

    # -- search ----------------------------------------------------------------------------
    def search(self, text, *, limit: int = 20, offset: int = 0, types=(), names_only: bool = False,
               kinds=None) -> Results:
        """Ranked resources for ``text``; ``types`` filters by type IRI, ``kinds`` by kind."""
        query = text if isinstance(text, ParsedQuery) else parse(text)
        results = Results(query)
        if not query.tokens:
            return results
        limit = max(0, min(int(limit), 1000))
        offset = max(0, min(int(offset), 10000))
        pool = max(CANDIDATES, offset + limit)
        types = tuple(types or ())
        scored = self._stages(query.tokens, types, pool, names_only, any_token=False)
        words = [token for token in query.tokens if len(token) > 1]  # single letters: too noisy alone
        if not scored and len(words) > 1 or (not scored and words and len(words) < len(query.tokens)):
            scored = self._stages(words, types, pool, names_only, any_token=True)
            results.fallback = bool(scored)
        results.capped = len(scored) >= pool
        exact = self.by_exact(query.text, types)
        hits = self.by_ids(set(scored) | set(exact))
        ranked = []
        for rid, hit in hits.items():
            if kinds is not None and hit.kind not in kinds:
                continue
            hit.exact = exact.get(rid)
            hit.score = round(self._score(hit, query, -scored.get(rid, 0.0)), 4)
            ranked.append(hit)
        ranked.sort(key=lambda h: (-h.score, h.labels[0].casefold(), h.iri))
        results.total = len(ranked)
        results.hits = ranked[offset:offset + limit]
        return results

    def _stages(self, tokens, types, pool: int, names_only: bool, any_token: bool) -> dict[int, float]:
        """Names, labels and keys first; descriptions too unless ``names_only`` (bm25 over all columns)."""
        scored = dict(self._fts(match_expression(tokens, any_token=any_token, columns=NAME_COLUMNS), types, pool))
        if not names_only:
            for rid, rank in self._fts(match_expression(tokens, any_token=any_token), types, pool):
                scored[rid] = min(rank, scored.get(rid, rank))
        return scored

    @staticmethod
    def _score(hit: Hit, query: ParsedQuery, base: float) -> float:
        score = base + KIND_PENALTY.get(hit.kind, 0.0)
        if hit.exact is not None:
            score += BOOST_EXACT[hit.exact]
        labels = hit.data.get("folded")  # folded label variants, precomputed by the build
        if labels is None:
            labels = [variant for label in hit.all_labels for variant in normal_variants(label)]
        if any(label.startswith(query.normal) for label in labels):
            score += 25.0
        words = {word for label in labels for word in label.split()}
        if all(token in words for token in query.tokens):
            score += 10.0
        elif all(any(word.startswith(token) for word in words) for token in query.tokens):
            score += 5.0
        return score


# -- the index of the release in service ------------------------------------------------------
_open: dict[Path, SearchIndex] = {}
_open_lock = threading.Lock()


def index_for(store) -> SearchIndex:
    """The search index of the release the store serves now (switches with the release)."""
    try:
        folder = store.release().path
    except Exception as error:  # StoreUnavailable and the like
        raise SearchUnavailable(str(error)) from None
    if folder is None:
        raise SearchUnavailable("The store has no local release folder (remote store): no search index.")
    path = Path(folder) / FILE_NAME
    index = _open.get(path)
    if index is None:
        with _open_lock:
            index = _open.get(path)
            if index is None:
                index = SearchIndex(path)
                if len(_open) >= 4:  # old releases: drop their handles
                    _open.clear()
                _open[path] = index
    return index


# -- highlighting -------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")


def _word_matches(word: str, tokens) -> bool:
    return any(variant.startswith(token) for variant in variants(word) for token in tokens)


def highlight(text: str, tokens) -> Markup:
    """``text`` HTML-escaped, with words matching a query token wrapped in ``<mark>``."""
    out, position = [], 0
    for match in _WORD.finditer(text or ""):
        out.append(str(escape(text[position:match.start()])))
        word = match.group()
        if tokens and _word_matches(word, tokens):
            out.append(f"<mark>{escape(word)}</mark>")
        else:
            out.append(str(escape(word)))
        position = match.end()
    out.append(str(escape((text or "")[position:])))
    return Markup("".join(out))


def snippet(text: str, tokens, width: int = 200) -> str:
    """A window of ``text`` around its first matching word (plain text, not escaped)."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    start = 0
    for match in _WORD.finditer(text):
        if _word_matches(match.group(), tokens):
            start = max(0, match.start() - width // 4)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = text[start:start + width]
    if start + width < len(text):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > width // 2 else piece) + " …"
    return ("… " if start else "") + piece


__all__ = ["Hit", "ParsedQuery", "Results", "SearchIndex", "SearchUnavailable", "highlight",
           "index_for", "match_expression", "normal", "parse", "snippet"]
