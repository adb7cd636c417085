"""The cell functions as plain functions, and the metadata xlwings registers them with in Excel."""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
import textwrap

import pytest
from tidu.xlmacros.udfs import (
    TIDU_COMPLETION,
    TIDU_PACE,
    TIDU_QUOTA,
    TIDU_TIER_CHECK,
    TIDU_USCC_CHECK,
    UDFS,
)

from .sample import E1


@pytest.mark.parametrize(("args", "expected"), [
    (("昆明市中小中心及窗口平台", "国家级小巨人", "场次"), 16),
    (("昆明市中小中心及窗口平台", "小微企业", "企业"), 252),
    (("昭通市中小企业服务中心", "国家级小巨人", "场次"), "/"),  # a centre gives its unit's row
    (("大理州中小企业公共服务窗口平台", "规上工业企业", "企业"), 82),
    (("全省", "小微企业", "企业"), 6580),
    (("云南省中小企业服务中心", "省级小巨人", "场次"), 30),
    (("云南省中小企业服务中心", "小微企业", "场次"), "/"),
])
def test_quota(args, expected):
    assert TIDU_QUOTA(*args) == expected


@pytest.mark.parametrize("args", [("昆明", "小微企业", "企业"), ("全省", "小微", "企业"), ("全省", "小微企业", "人次")])
def test_quota_bad_arguments_give_a_message(args):
    assert TIDU_QUOTA(*args).startswith("错误：")


@pytest.mark.parametrize(("code", "expected"), [(E1, "有效"), (E1.lower(), "有效"), (E1[:-1] + "Z", "无效"),
                                                ("123", "无效"), (None, "未填写")])
def test_uscc_check(code, expected):
    assert TIDU_USCC_CHECK(code).startswith(expected)


@pytest.mark.parametrize(("actual", "target", "expected"), [(5, 10, 0.5), (12, 10, 1.2), (3, "/", "—"), (3, 0, "—"),
                                                            (3, None, "—"), ("2,000", "4000", 0.5)])
def test_completion(actual, target, expected):
    assert TIDU_COMPLETION(actual, target) == expected


def test_completion_bad_argument():
    assert TIDU_COMPLETION("很多", 10).startswith("错误：")


@pytest.mark.parametrize(("args", "expected"), [
    ((16, 5, dt.datetime(2021, 7, 1)), "落后（应完成 7）"),  # floor(16 × 182 / 365) = 7
    ((16, 6, dt.datetime(2021, 7, 1)), "落后（应完成 7）"),
    ((16, 7, dt.datetime(2021, 7, 1)), "正常（应完成 7）"),  # actual equal to expected is on pace
    ((16, 9, dt.datetime(2021, 7, 1)), "正常（应完成 7）"),
    ((2, 0, dt.datetime(2020, 5, 1)), "正常（应完成 0）"),  # before the year: day one, nothing due yet
    ((365, 0, dt.datetime(2021, 1, 1)), "落后（应完成 1）"),
    (("/", 1, dt.datetime(2021, 7, 1)), "—"),
])
def test_pace(args, expected):
    assert TIDU_PACE(*args) == expected


@pytest.mark.parametrize(("args", "expected", "names"), [
    (("规上工业企业", 3000, 2500, None, None, None, None), "符合", ()),
    (("规上工业企业", 3000, 1500, None, None, None, None), "不符合：", ("主营业务收入", "2000万元")),
    (("国家级小巨人", 20000, 18000, 12, 200, 20, 300), "不符合：", ("研发经费", "3%")),
    (("小微企业", 1, 1, 1, 1, 1, 1), "符合", ()),
    (("某梯度", 1, 1, 1, 1, 1, 1), "错误：", ()),
    (("规上工业企业", "很多", 1, 1, 1, 1, 1), "错误：", ()),
])
def test_tier_check(args, expected, names):
    # the wording of the criteria is the rule set's (engine.screen); the cell names the failed one
    answer = TIDU_TIER_CHECK(*args)
    assert answer.startswith(expected) and all(n in answer for n in names)


@pytest.mark.parametrize("udf", UDFS, ids=lambda f: f.__name__)
def test_udfs_take_positional_arguments_only(udf):
    params = inspect.signature(udf).parameters.values()
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty
               for p in params)
    assert udf.__name__.startswith("TIDU_") and udf.__doc__


def test_xlwings_metadata_and_vba_wrappers():
    """What xlwings (Windows) registers: run its own decorator and VBA generator with COM stubbed out."""
    script = textwrap.dedent("""
        import io, json, sys, types
        for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
            sys.modules[name] = types.ModuleType(name)
        sys.modules["pythoncom"].CoInitialize = lambda: None
        sys.modules["win32com.client"].Dispatch = object
        import xlwings, xlwings.udfs as udfs
        xlwings.func = udfs.xlfunc  # what xw.func is on Windows
        import tidu.xlmacros.udfs as m
        meta = {f.__name__: [f.__xlfunc__["name"], [a["name"] for a in f.__xlfunc__["args"]],
                             f.__xlfunc__["category"]] for f in m.UDFS}
        book = types.SimpleNamespace(Name="tidu.xlam")
        out = io.StringIO()
        udfs.generate_vba_wrapper("tidu.xlmacros.udfs", m, out, book)
        print(json.dumps({"meta": meta, "vba": out.getvalue()}, ensure_ascii=False))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    import json

    result = json.loads(done.stdout)
    assert result["meta"]["TIDU_QUOTA"] == ["TIDU_QUOTA", ["unit", "tier", "measure"], "企业梯度培育"]
    assert result["meta"]["TIDU_TIER_CHECK"][1] == ["tier", "revenue", "main_revenue", "revenue_growth",
                                                   "rd_expense", "rd_staff_share", "employees"]
    for name in ("TIDU_QUOTA(unit, tier, measure)", "TIDU_USCC_CHECK(code)", "TIDU_COMPLETION(actual, target)",
                 "TIDU_PACE(target, actual, as_of)"):
        assert f"Function {name}" in result["vba"]
