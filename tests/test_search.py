"""Search: quality cases of the issue, bad input, the JSON form, HTML escaping, and the index following
the release in service. Through HTTP on the session's release of the real data, plus one release of a
data copy with a record the real data lacks ("Straße")."""
from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from server.release_steps import build
from server.search import FILE_NAME, SearchIndex
from server.search.fold import fold, variants
from server.search.query import highlight, match_expression, parse
from server.settings import load_settings
from server.web.app import create_app

ID = "https://lod.ikpe-erfurt.de/id/"


def results(client, q, **params):
    response = client.get("/search.json", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def first(client, q, **params):
    found = results(client, q, **params)
    assert found, f"nothing found for {q!r}"
    return found[0]


# -- folding ----------------------------------------------------------------------------------------
def test_folding():
    assert fold("Sömmerda") == "sommerda"
    assert variants("Sömmerda") == ["sommerda", "soemmerda"]
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert variants("Kyffhäuserkreis") == ["kyffhauserkreis", "kyffhaeuserkreis"]
    assert fold("So\u0308mmerda") == "sommerda"  # decomposed umlaut


# -- quality ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("q", ["sommerda", "Soemmerda", "Sömmerda", "SÖMMERDA", "sömm", "soemm"])
def test_umlauts_folded(client, q):
    assert first(client, q)["iri"] == ID + "gebietskoerperschaft/16068"


@pytest.mark.parametrize("q, iri", [
    ("ThILIK", "project/thilik"), ("thilik", "project/thilik"),
    ("16051", "gebietskoerperschaft/16051"),  # Kreisschlüssel
    ("16051000", "gebietskoerperschaft/16051"),  # AGS
    ("160510000000", "gebietskoerperschaft/16051"),  # ARS
    ("TMMJV", "organisation/tmmjv"),
    ("Kyff", "gebietskoerperschaft/16065"),  # prefix for type-ahead
    ("kyffhaeuser", "gebietskoerperschaft/16065"),
    ("Huber", "person/stefan-huber"),
    ("Erfurt", "gebietskoerperschaft/16051"),
    ("Thuringia", "gebietskoerperschaft/16"),  # English label
])
def test_names_keys_prefixes(client, q, iri):
    assert first(client, q)["iri"] == ID + iri


def test_exact_label_ranks_first(client):
    found = results(client, "Eisenach")
    assert found[0]["iri"] == ID + "gebietskoerperschaft/16063105" and found[0]["label"] == "Eisenach"
    assert found[0]["exact"] is True
    assert ID + "gebietskoerperschaft/16056" in [r["iri"] for r in found[1:]]
    # a thing before the roles and participations that mention it
    erfurt = results(client, "Erfurt")
    assert erfurt[0]["iri"] == ID + "gebietskoerperschaft/16051"
    assert ID + "participation/thilik/16051" in [r["iri"] for r in erfurt]
    scores = [r["score"] for r in erfurt]
    assert scores == sorted(scores, reverse=True)


def test_descriptions_and_all_words(client):
    found = results(client, "Integrationsmanagement Kommunen")
    assert found[0]["iri"] == ID + "project/thilik"
    # words no entry has together: any word is enough, and the answer says so
    response = client.get("/search.json", query_string={"q": "Jena Gera"}).get_json()
    assert response["any_word"] is True
    assert {ID + "gebietskoerperschaft/16053", ID + "gebietskoerperschaft/16052"} <= {r["iri"] for r in response["results"]}


def test_type_filter(client):
    found = results(client, "Teilnahme", type="https://lod.ikpe-erfurt.de/def/ikpe#Participation")
    assert found and all(r["type"]["iri"].endswith("#Participation") for r in found)
    none = results(client, "Erfurt", type="https://lod.ikpe-erfurt.de/def/ikpe#Landkreis")
    assert none == []


def test_english_interface_labels(client):
    hit = first(client, "Kyffhäuserkreis", lang="en")
    assert hit["type"]["label"] == "Landkreis (rural district)"
    assert hit["label"] == "Kyffhäuserkreis (rural district)"
    assert first(client, "Thüringen", lang="en")["label"] == "Thuringia"


# -- bad input --------------------------------------------------------------------------------------
ODD = ['', ' ', '"', '""', "'", 'NEAR(a b)', 'NEAR', 'a AND', 'AND', 'OR', 'NOT', '*', 'Erfurt*', '(', ')', '()',
       '\x00', 'Erfurt\x00Jena', 'label:Erfurt', '{label}: x', '^Erfurt', '-Erfurt', '+', 'x' * 1500,
       'a ' * 300, '🙂', '%', '%00', '\\', 'Sömmerda" OR "x', 'NEAR("Erfurt" "Jena", 2)', '\u202e', 'ß' * 100]


@pytest.mark.parametrize("q", ODD)
def test_odd_queries_never_fail(client, q):
    for path, params in (("/search.json", {}), ("/search", {}), ("/search", {"format": "json"}),
                         ("/search/suggest", {})):
        response = client.get(path, query_string={"q": q, **params})
        assert response.status_code == 200, (path, q, response.status_code)
        if response.mimetype == "application/json":
            assert isinstance(response.get_json()["results"], list)


def test_odd_queries_give_sensible_results(client):
    assert first(client, '"Erfurt"')["label"] == "Erfurt"
    assert first(client, "label:Erfurt")["label"] == "Erfurt"
    assert first(client, "Erfurt*")["label"] == "Erfurt"
    assert first(client, 'NEAR("Sömmerda" "x")')["label"] == "Sömmerda"
    assert results(client, "") == [] and results(client, '"()*') == [] and results(client, "🙂") == []
    assert results(client, "x" * 1500) == []


def test_odd_arguments(client):
    for params in ({"q": "Erfurt", "page": "abc"}, {"q": "Erfurt", "page": "-3"}, {"q": "Erfurt", "page": "99999"},
                   {"q": "Erfurt", "type": "x" * 1000}, {"q": "Erfurt", "limit": "nan"}, {}):
        assert client.get("/search.json", query_string=params).status_code == 200
        assert client.get("/search", query_string=params).status_code == 200
        assert client.get("/search/suggest", query_string=params).status_code == 200


def test_match_expression_quotes_every_token():
    query = parse('NEAR("a" b) AND c* OR {label}: d\x00 e^f')
    expression = match_expression(query.tokens)  # operators are plain words, at most 8 of them
    assert expression == '"near"* AND "a" AND "b" AND "and"* AND "c" AND "or"* AND "label"* AND "d"'
    # single letters are whole words (a one-letter prefix would scan much of the index)
    assert match_expression(("ab", "c"), any_token=True, columns=("label",)) == '{label} : ("ab"* OR "c")'
    assert parse("x" * 10_000).tokens == ("x" * 64,)


LANDKREIS = "https://lod.ikpe-erfurt.de/def/ikpe#Landkreis"
AROUND = st.text(alphabet=" .,;:!?()[]{}\"'«»-–/\t\n*^", max_size=5)  # no word characters: no new token


def assert_well_formed(found, limit: int) -> None:
    assert len(found.hits) <= limit and found.total >= len(found.hits)
    assert len({hit.iri for hit in found.hits}) == len(found.hits)
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)
    if not found.query.tokens:
        assert found.hits == [] and found.total == 0


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_is_safe(store, text):
    index = SearchIndex(store.release().path / FILE_NAME)
    assert_well_formed(index.search(text, limit=5), 5)
    landkreise = index.search(text, names_only=True, types=(LANDKREIS,))
    assert_well_formed(landkreise, 20)
    assert all(hit.type == LANDKREIS for hit in landkreise.hits), [hit.iri for hit in landkreise.hits]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=AROUND, after=AROUND, name=st.sampled_from([  # (as written, the label it must find)
    ("Kyffhäuserkreis", "Kyffhäuserkreis"), ("KYFFHAEUSERKREIS", "Kyffhäuserkreis"), ("Sömmerda", "Sömmerda"),
    ("soemmerda", "Sömmerda")]))
def test_a_name_among_punctuation_is_found_first(store, before, name, after):
    written, label = name
    index = SearchIndex(store.release().path / FILE_NAME)
    found = index.search(before + written + after, limit=5)
    assert_well_formed(found, 5)
    assert found.hits[0].label() == label, [hit.label() for hit in found.hits]
    landkreise = index.search(before + written + after, names_only=True, types=(LANDKREIS,))
    assert landkreise.hits and landkreise.hits[0].iri == found.hits[0].iri  # both are Landkreise
    assert all(hit.type == LANDKREIS for hit in landkreise.hits)


# -- JSON form --------------------------------------------------------------------------------------
def test_json_forms(client):
    a = client.get("/search.json?q=Kyff")
    b = client.get("/search?q=Kyff&format=json")
    c = client.get("/search?q=Kyff", headers={"Accept": "application/json"})
    for response in (a, b, c):
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = a.get_json()
    assert body == b.get_json() == c.get_json()
    assert body["query"] == "Kyff" and body["tokens"] == ["kyff"] and body["total"] >= 1
    hit = body["results"][0]
    assert set(hit) >= {"iri", "url", "label", "type", "description", "score"}
    assert hit["url"] == "/id/gebietskoerperschaft/16065"
    assert body["release"] == client.application.extensions["ikpe_store"].release().id


def test_type_ahead(client):
    response = client.get("/search/suggest?q=Kyff")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    top = response.get_json()["results"][0]
    assert top == {"iri": ID + "gebietskoerperschaft/16065", "url": "/id/gebietskoerperschaft/16065",
                   "label": "Kyffhäuserkreis", "type": "Landkreis"}
    assert len(client.get("/search/suggest?q=Teilnahme&limit=3").get_json()["results"]) == 3


# -- HTML -------------------------------------------------------------------------------------------
def test_results_page_grouped_and_highlighted(client):
    response = client.get("/search?q=Erfurt")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'data-type="https://lod.ikpe-erfurt.de/def/ikpe#KreisfreieStadt"' in html
    assert 'data-type="https://lod.ikpe-erfurt.de/def/ikpe#Participation"' in html
    assert html.index("#KreisfreieStadt") < html.index("#Participation")  # best group first
    assert '<a href="/id/gebietskoerperschaft/16051"><mark>Erfurt</mark></a>' in html
    assert "<mark>Sömmerda</mark>" in client.get("/search?q=soemmerda").get_data(as_text=True)


def test_results_page_escapes(client):
    html = client.get("/search", query_string={"q": '<script>alert(1)</script> "Erfurt'}).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>Erfurt</mark>" in html


def test_highlight_escapes_data():
    marked = highlight('Abteilung Straße & <b>Brücken</b>', ("strasse", "bruck"))
    assert str(marked) == 'Abteilung <mark>Straße</mark> &amp; &lt;b&gt;<mark>Brücken</mark>&lt;/b&gt;'


# -- a release with a record the real data lacks: "Straße"; the index follows the release ------------
def test_strasse_and_release_switch(data_copy, tmp_path):
    build_dir = tmp_path / "build"
    original = load_settings(build_dir=build_dir)
    assert build(original).ok
    app = create_app(original)
    client = app.test_client()
    assert results(client, "strasse") == []
    with (data_copy / "data" / "organisations.yaml").open("a", encoding="utf-8") as handle:
        handle.write('\n- id: organisation/abteilung-strasse\n  type: Organisation\n  label:\n'
                     '    de: "Abteilung Straße & <Brücken>"\n    en: "Roads & <bridges> department"\n'
                     '  source: source/projekte-im-einzelnen\n')
    changed = load_settings(build_dir=build_dir, data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                            shapes_dir=data_copy / "shapes")
    outcome = build(changed)
    assert outcome.ok, [str(p) for p in outcome.problems]
    # the same running app now answers from the new release's index
    for q in ("strasse", "Straße", "STRASSE", "Strass", "straße brücken", "bruecken"):
        assert first(client, q)["iri"] == ID + "organisation/abteilung-strasse", q
    html = client.get("/search?q=strasse").get_data(as_text=True)
    assert "<mark>Straße</mark> &amp; &lt;<mark>Brücken</mark>&gt;" not in html  # 'strasse' marks Straße only
    assert "Abteilung <mark>Straße</mark> &amp; &lt;Brücken&gt;" in html
    assert "<Brücken>" not in html


def test_index_is_written_into_the_release(store):
    release = store.release()
    path = release.path / FILE_NAME
    assert path.is_file()
    assert release.manifest["search_index"]["file"] == FILE_NAME
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        resources = db.execute("SELECT COUNT(*) FROM resources").fetchone()[0]
    assert resources == release.manifest["search_index"]["resources"] > 50
    assert json.loads(json.dumps(release.manifest["search_index"]))  # plain JSON in manifest.json
