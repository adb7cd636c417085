"""Every finding code the source can emit is catalogued with a Chinese title, and vice versa."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.catalogue import CATALOGUE, finding

ROOT = Path(__file__).resolve().parents[1]
# finding("code", ...), ctx.at("code", ...), BadValue("code"), Rejected("code", ...)
EMITTED = re.compile(r'(?:finding|\.at|BadValue|Rejected)\(\s*"([a-z0-9-]+)"')


def _emitted_codes() -> set[str]:
    codes = set()
    for pkg in ("engine", "workbook", "xlmacros"):
        for path in (ROOT / pkg).rglob("*.py"):
            codes |= set(EMITTED.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_emitted_code_is_catalogued():
    emitted = _emitted_codes()
    assert emitted, "the scan found no codes: the pattern is broken"
    assert sorted(emitted - set(CATALOGUE)) == []


def test_every_catalogued_code_is_emitted_somewhere():
    assert sorted(set(CATALOGUE) - _emitted_codes()) == []


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry(code):
    kind = CATALOGUE[code]
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", code)
    assert re.search(r"[\u4e00-\u9fff]", kind.title), "title must be Chinese"
    assert re.search(r"[\u4e00-\u9fff]", kind.template), "message must be Chinese"


def test_unknown_code_cannot_be_made():
    with pytest.raises(KeyError):
        finding("no-such-code")
