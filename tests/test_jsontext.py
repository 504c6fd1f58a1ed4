"""The JSON writer every machine-readable output uses: any JSON value round-trips, keys are
sorted, and each record of a section's list sits on a line of its own."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from archlint.report.jsontext import dumps

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON)
def test_any_value_round_trips_with_sorted_keys(value):
    text = dumps(value)
    assert text.endswith("\n")
    assert json.loads(text) == value
    assert json.dumps(json.loads(text), sort_keys=True) == json.dumps(value, sort_keys=True)


def test_one_record_per_line():
    doc = {"b": [{"z": 1, "a": [1, 2]}, {"y": "é"}], "a": {"k": {"x": 1}, "e": []}}
    assert dumps(doc) == (
        '{\n'
        '  "a": {\n'
        '    "e": [],\n'
        '    "k": {"x": 1}\n'
        '  },\n'
        '  "b": [\n'
        '    {"a": [1, 2], "z": 1},\n'
        '    {"y": "é"}\n'
        '  ]\n'
        '}\n'
    )
