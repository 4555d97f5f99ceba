"""The index pages' lists (``/list/<type>``) are sorted at build time (``server/sitemap/lists.py``): the
build writes every type in every interface language, a page reads its slice of the file, and the pages
are those the app made when it sorted the list itself (a release without the files still gets them)."""
from __future__ import annotations

import shutil

import pytest

from server.settings import load_settings
from server.sitemap import INDEX_TYPES
from server.sitemap.lists import FOLDER, LANGUAGES, SortedItems, SortedList, write_list
from server.web import resources
from server.web.app import create_app

SLUGS = ["project", "person", "organisation", "gebietskoerperschaft", "role"]


def _in_memory(app, slug, lang):
    with app.test_request_context():
        store = app.extensions["ikpe_store"].snapshot()
        return resources._read_index_items(store, INDEX_TYPES[slug], lang)


def test_the_build_wrote_every_type_in_every_language(build_dir, app):
    folder = build_dir / "current"
    for slug in INDEX_TYPES:
        for lang in LANGUAGES:
            written = SortedList.open(folder, slug, lang)
            assert written is not None, (slug, lang)
            expected = _in_memory(app, slug, lang)
            assert written.slice(0, len(expected) + 10) == expected, (slug, lang)
            assert written.total == len(expected)


@pytest.mark.parametrize("total", [0, 1, 7, 50, 51])
def test_a_slice_is_the_slice_of_the_list(tmp_path, total):
    items = [(f"https://example.org/id/{n:03d}", f"Label {n:03d}", "de" if n % 2 else None) for n in range(total)]
    write_list(tmp_path / "x-de", items)
    (tmp_path / FOLDER).mkdir()
    for suffix in (".jsonl", ".idx"):
        shutil.move(tmp_path / f"x-de{suffix}", tmp_path / FOLDER / f"project-de{suffix}")
    written, memory = SortedList.open(tmp_path, "project", "de"), SortedItems(items)
    assert written.total == total
    for start in (0, 1, 5, 49, 50, 51, 100):
        for size in (1, 10, 50):
            for descending in (False, True):
                assert written.slice(start, size, descending) == memory.slice(start, size, descending), \
                    (start, size, descending)


def test_a_page_reads_the_file_not_the_graph(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the list was read and sorted per request")

    monkeypatch.setattr(resources, "_index_items", refuse)
    client = app.test_client()
    for slug in SLUGS:
        assert client.get(f"/list/{slug}?order=desc", headers={"Accept-Language": "en"}).status_code == 200


def test_the_pages_are_those_sorted_in_the_app(settings, tmp_path):
    copy = tmp_path / "build"
    shutil.copytree(settings.build_dir, copy, symlinks=True)
    without = (copy / "current").resolve() / FOLDER
    assert copy in without.parents  # the copy's release, never the session's
    shutil.rmtree(without)
    from_files = create_app(load_settings(build_dir=settings.build_dir, response_cache_dir="off", page_cache_mb=0))
    sorted_here = create_app(load_settings(build_dir=copy, response_cache_dir="off", page_cache_mb=0))
    for slug in SLUGS:
        for query in ("", "?order=desc", "?page=2", "?page=2&order=desc"):
            for lang in LANGUAGES:
                path, headers = f"/list/{slug}{query}", {"Accept-Language": lang}
                expected = sorted_here.test_client().get(path, headers=headers)
                got = from_files.test_client().get(path, headers=headers)
                assert got.status_code == expected.status_code, path
                if got.status_code == 200:
                    assert got.get_data() == expected.get_data(), (path, lang)
