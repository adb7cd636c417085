"""Every finding code the source can emit is catalogued with a Chinese title, and vice versa."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from tidu.schemas.catalogue import CATALOGUE, Scope, _filler, finding, finding_maker
from tidu.schemas.findings import Severity

ROOT = Path(__file__).resolve().parents[1]
# finding("code", ...), finding_maker("code", ...), ctx.at("code", ...), ctx.maker("code", ...),
# BadValue("code"), Rejected("code", ...)
EMITTED = re.compile(r'(?:finding|finding_maker|\.at|\.maker|BadValue|Rejected)\(\s*"([a-z0-9-]+)"')
# code = "a" if … else "b": a code chosen before the call
CODE_CHOICE = re.compile(r'code = "([a-z0-9-]+)" if .+ else "([a-z0-9-]+)"')


def _emitted_codes() -> set[str]:
    codes = set()
    for pkg in ("engine", "workbook", "xlmacros", "portal"):
        for path in (ROOT / pkg).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(EMITTED.findall(text))
            codes |= {code for pair in CODE_CHOICE.findall(text) for code in pair if code}
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


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_no_message_names_its_row(code):
    # Finding.on_row moves a finding to another row without rewriting its message.
    assert "{row" not in CATALOGUE[code].template


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_each_code_owns_a_scope_that_fits_its_severity(code):
    kind = CATALOGUE[code]
    # An optional cell never voids its row: cell-scope findings are never errors.
    assert not (kind.scope is Scope.CELL and kind.severity is Severity.ERROR)
    assert kind.rejects_file == (kind.scope is Scope.FILE and kind.severity is Severity.ERROR)


def test_unknown_code_cannot_be_made():
    with pytest.raises(KeyError):
        finding("no-such-code")


@pytest.mark.parametrize(("code", "params"), [
    ("uscc-region", {"region": "530102", "reason": "不在本单位所在州市（5301）"}),
    ("evidence-missing", {}),
    ("participants-mismatch", {"actual": 3}),
])
def test_a_maker_makes_the_finding_that_finding_makes(code, params):
    at = {"file": "a.xlsx", "sheet": "服务活动", "column": "服务企业数"}
    made = finding_maker(code, **at)(7, "5", **params)
    assert made == finding(code, row=7, value="5", **at, **params)
    assert (made.code, made.file, made.sheet, made.row, made.column, made.value) == (
        code, "a.xlsx", "服务活动", 7, "服务企业数", "5")


_AWKWARD = 'a"b\'c\\d{e}}f\n'  # what a submitted value may hold: quotes, a backslash, braces, a break


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_reads_as_its_template_says(code):
    # Messages are filled by compiled f-strings for speed; they must read exactly as str.format fills them.
    template = CATALOGUE[code].template
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    params = {name: f"{name}:{_AWKWARD}" for name in names - {"value", "column", "sheet", "row"}}
    made = finding(code, file="f.xlsx", sheet="培育企业", row=9, column="名称", value=_AWKWARD, **params)
    assert made.message == template.format(value=_AWKWARD, column="名称", sheet="培育企业", row=9, **params)


@pytest.mark.parametrize("template", ['x{y}"\\z\n', "{a}}}{{b{c}", "{a!r}", "{a:>5}", "{a[0]}", "{value}{a}{row}"])
def test_a_template_of_any_form_fills_as_str_format(template):
    args = {"a": "甲", "b": "乙", "c": '"', "y": "\\"}
    expected = template.format(**args, value="v", column="列", sheet="表", row=3)
    assert _filler(template)("v", "列", "表", 3, **args) == expected
