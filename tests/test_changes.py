"""The changeset merge (server/kg/changes.py ``diff_sorted``): for any two sorted sets of lines it
writes exactly their differences, in order, whatever their sizes and overlap."""
from __future__ import annotations

import io

from hypothesis import given, strategies as st

from server.kg.changes import diff_sorted

lines = st.sets(st.binary(min_size=1, max_size=6).map(lambda b: b + b"\n"), max_size=60)


@given(old=lines, new=lines)
def test_the_merge_writes_exactly_the_set_differences_in_order(old, new):
    added, removed = io.BytesIO(), io.BytesIO()
    counts = diff_sorted(iter(sorted(old)), iter(sorted(new)), added, removed)
    assert added.getvalue() == b"".join(sorted(new - old))
    assert removed.getvalue() == b"".join(sorted(old - new))
    assert (counts.added, counts.removed) == (len(new - old), len(old - new))
