"""Reading deploy files safely: hostile YAML, CloudFormation tags, line numbers, caps."""

from __future__ import annotations

import pytest

from archlint.discover.deploy.loader import MAX_DEPTH, DeployFileError, LineDict, load_json, load_toml, load_yaml


def test_mappings_remember_their_lines():
    docs = load_yaml("a: 1\nservices:\n  web:\n    image: x\n  db:\n    image: y\n")
    services = docs[0]["services"]
    assert isinstance(services, LineDict)
    assert services.line_of("web") == 3 and services.line_of("db") == 5
    assert docs[0]["services"]["db"].line == 6


def test_multi_document_streams_skip_empty_documents():
    docs = load_yaml("---\nkind: A\n---\n---\nkind: B\n...\n")
    assert [d["kind"] for d in docs] == ["A", "B"]


def test_merge_keys_and_anchors_work():
    docs = load_yaml("x: &base {a: 1, b: 2}\ny:\n  <<: *base\n  b: 3\n")
    assert docs[0]["y"] == {"a": 1, "b": 3}


def test_cloudformation_short_forms_become_long_forms():
    text = (
        "A: !Ref Queue\nB: !GetAtt Queue.Arn\nC: !Sub 'arn:${AWS::Region}:${Queue}'\n"
        "D: !Join ['-', [a, !Ref Stage]]\nE: !If [IsProd, x, y]\nF: !Base64 {Ref: X}\n"
    )
    doc = load_yaml(text)[0]
    assert doc["A"] == {"Ref": "Queue"}
    assert doc["B"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert doc["C"] == {"Fn::Sub": "arn:${AWS::Region}:${Queue}"}
    assert doc["D"] == {"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}
    assert doc["E"] == {"Fn::If": ["IsProd", "x", "y"]}
    assert doc["F"] == {"Fn::Base64": {"Ref": "X"}}


def test_python_object_tags_are_refused():
    with pytest.raises(DeployFileError, match="invalid YAML"):
        load_yaml("x: !!python/object/apply:os.system ['echo pwned']\n")


def test_alias_bomb_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(DeployFileError, match="alias bomb"):
        load_yaml("\n".join(lines) + "\n")


def test_recursive_alias_is_refused():
    with pytest.raises(DeployFileError, match="recursive alias|invalid YAML"):
        load_yaml("a: &a [1, *a]\n")


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused_not_a_crash(opener, closer):
    text = "x: " + opener * 5000 + "1" + closer * 5000 + "\n"
    with pytest.raises(DeployFileError) as info:
        load_yaml(text)
    assert "nested" in str(info.value) or "invalid YAML" in str(info.value)


def test_deep_block_nesting_without_aliases_is_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v: 1\n"
    with pytest.raises(DeployFileError, match="nested more than"):
        load_yaml(text)


def test_nesting_just_under_the_limit_is_fine():
    depth = MAX_DEPTH - 2
    assert load_yaml("x: " + "[" * depth + "1" + "]" * depth + "\n")


def test_syntax_errors_carry_their_line():
    with pytest.raises(DeployFileError) as info:
        load_yaml("services:\n  web:\n    image: x\n   command: y\n")
    assert info.value.line == 4


def test_json_and_toml_errors_and_nesting():
    with pytest.raises(DeployFileError) as info:
        load_json('{"a": 1,\n "b": }')
    assert info.value.line == 2
    with pytest.raises(DeployFileError, match="nested"):
        load_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DeployFileError, match="invalid TOML"):
        load_toml("[project\nname = 1\n")
    assert load_json('{"a": {"b": [1, 2]}}') == {"a": {"b": [1, 2]}}
