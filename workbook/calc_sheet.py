"""The hidden ``_calc`` sheet: helper columns that let plain formulas apply DESIGN §5's counting rules.

One block per entry sheet, one helper row per entry row, each formula reading its own row's cells
(no expanding ranges such as ``COUNTIF($A$2:A2,…)``):

* 服务活动 (A–H): error-free (活动编号, 活动名称 filled, a date that is a number in the plan year,
  tier and category known and offered by 附表1 — aliases included); counts when it is also the
  first error-free row of its 活动编号 and dated up to the as-of date; its tier, its visits (a
  whole 服务企业数 ≥ 0, else 0), a (date, row) sort key, and whether a formula can judge it.
* 服务对象 (J–O): the position of its session among the counted ones; its credit code when that
  session counts and the code's GB 32100 check character is right; the code's valid roster row.
  An enterprise on neither the roster nor the registry is counted on its first counted sign-in,
  under the tier of the earliest counted session of any of its sign-ins (smallest sort key).
* 培育企业 (Q–U): the first error-free row of each code (18 characters, right check character,
  name, known tier) is the valid roster row; its tier; served when its code signed in at a
  counted session (the per-roster-row flag: one look-up per enterprise, not per sign-in).
* the registry (省定名单, on ``_lists``): served the same way, under the registry's tier.

Excel 2010 functions only (IF, AND, OR, IFERROR, INDEX, MATCH, SUMPRODUCT, COUNTIF, SUMIF, MID,
FIND…): no dynamic arrays, LET, LAMBDA or XLOOKUP. The columns are written as shared formulas
(:func:`calc_sheet_data`), the way Excel stores a filled-down column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidu.engine.uscc import CHARSET, WEIGHTS
from tidu.schemas import contract as c
from tidu.schemas.contract import ACTIVITY, ROSTER, SIGNIN, EntrySheet
from tidu.schemas.plan import Plan
from tidu.workbook.xl import col_letter, sheet_ref

# Defined names of the helper ranges the 完成情况 formulas read.
ACT_TIER = "tidu_calc_activity_tier"
ACT_VISITS = "tidu_calc_activity_visits"
ACT_COUNTED = "tidu_calc_activity_counted"
ACT_SORT = "tidu_calc_activity_sort"
ACT_UNSURE = "tidu_calc_activity_unsure"
SIGNIN_KEY = "tidu_calc_signin_key"
SIGNIN_TIER = "tidu_calc_signin_tier"
ROSTER_KEY = "tidu_calc_roster_key"
ROSTER_TIER = "tidu_calc_roster_tier"
ROSTER_UNSURE = "tidu_calc_roster_unsure"
ROSTER_SERVED = "tidu_calc_roster_served"
REG_SERVED = "tidu_registry_served"
REG_CODES = "tidu_registry_code"
REG_TIER = "tidu_registry_tier"
OFFER_NAMES = "tidu_offer_names"
OFFER = "tidu_offer"

# First column (0-based) of each block of _calc: 服务活动 A–H, 服务对象 J–O, 培育企业 Q–U.
_ACT, _SIGN, _ROST = 0, 9, 16
_NEVER = 10**12  # the sort key of "no counted session": later than any (date, row)
_USED = 22  # column W: rows in use per entry sheet (look-ups stop there, not at the capacity)


def _src(sheet: EntrySheet, key: str, row: int) -> str:
    """A relative-row reference to one entry cell, e.g. ``'服务活动'!$B2``."""
    return f"'{sheet.name}'!${col_letter(sheet.columns.index(sheet.column(key)))}{row}"


def check_digit_ok(code: str) -> str:
    """1 when the 18-character ``code`` (an upper-case text expression) has the right GB 32100
    check character, else an error (callers wrap it in IFERROR). Plain Excel 2007+ functions."""
    positions = ",".join(str(i) for i in range(1, 18))
    weights = ",".join(str(w) for w in WEIGHTS)
    total = f'SUMPRODUCT((FIND(MID({code},{{{positions}}},1),"{CHARSET}")-1)*{{{weights}}})'
    return f'IF(MID("{CHARSET}",MOD(31-MOD({total},31),31)+1,1)=RIGHT({code},1),1,0)'


USCC_POSITIONS, USCC_WEIGHTS = "tidu_uscc_positions", "tidu_uscc_weights"


def check_digit_by_names(code: str) -> str:
    """:func:`check_digit_ok` with the array constants behind defined names, for conditional
    formats (which may not hold array constants themselves)."""
    total = f'SUMPRODUCT((FIND(MID({code},{USCC_POSITIONS},1),"{CHARSET}")-1)*{USCC_WEIGHTS})'
    return f'IF(LEN({code})<>18,0,IF(MID("{CHARSET}",MOD(31-MOD({total},31),31)+1,1)=RIGHT({code},1),1,0))'


def define_uscc_names(book: Any) -> None:
    """The positions 1–17 and GB 32100 weights as named array constants."""
    book.define_name(USCC_POSITIONS, "={" + ",".join(str(i) for i in range(1, 18)) + "}")
    book.define_name(USCC_WEIGHTS, "={" + ",".join(str(w) for w in WEIGHTS) + "}")


def _col(sheet: EntrySheet, key: str) -> str:
    return col_letter(sheet.columns.index(sheet.column(key)))


def _clean(ref: str) -> str:
    """What the engine's clean_code does that matters here: no spaces, upper case."""
    return f'UPPER(SUBSTITUTE({ref}," ",""))'


def _range(col: int, rows: int) -> str:
    letter = col_letter(col)
    return f"${letter}$2:${letter}${rows + 1}"


def _columns(first: int, row: int, *keys: str) -> dict[str, str]:
    """Helper cell of each key on ``row``: the block's columns in order from ``first``."""
    return {k: f"{col_letter(first + i)}{row}" for i, k in enumerate(keys)}


def _activity_formulas(year: int) -> list[tuple[str, str, Any]]:
    """(header, formula on row 2, cached value) per helper column of the 服务活动 block."""
    r = 2
    a = {k: _src(ACTIVITY, k, r) for k in ("id", "date", "category", "tier", "name", "enterprises")}
    keys = _range(_ACT + 1, ACTIVITY.capacity)
    col = _columns(_ACT, r, "ok", "key", "counts", "id", "tier", "visits", "sort", "unsure")
    return [
        ("无错", f'IFERROR(IF(AND(TRIM({a["id"]})<>"",TRIM({a["name"]})<>"",ISNUMBER({a["date"]}),'
                 f'YEAR({a["date"]})={year}),INDEX({OFFER},MATCH(TRIM({a["category"]}),{OFFER_NAMES},0),'
                 f'MATCH(TRIM({a["tier"]}),{c.NAME_TIERS},0)),0),0)', 0),
        ("编号", f'IF({col["ok"]}=1,{_clean(a["id"])},"")', ""),
        # The first error-free row of an id counts (a corrected re-entry below a broken row too).
        ("计入", f'IF({col["ok"]}=1,IF(INT({a["date"]})<={c.NAME_ASOF},'
                 f'IF(MATCH({col["key"]},{keys},0)=ROW()-1,1,0),0),0)', 0),
        ("计入编号", f'IF({col["counts"]}=1,{col["key"]},"")', ""),
        ("梯度", f'IF({col["counts"]}=1,TRIM({a["tier"]}),"")', ""),
        ("户次", f'IF({col["counts"]}=1,IF(ISNUMBER({a["enterprises"]}),IF(AND({a["enterprises"]}>=0,'
                 f'{a["enterprises"]}=INT({a["enterprises"]})),{a["enterprises"]},0),0),0)', 0),
        # (date, row) as one number: the earliest session an enterprise signed in at.
        ("排序", f'IF({col["counts"]}=1,INT({a["date"]})*10000+ROW(),{_NEVER})', _NEVER),
        # Cells the formulas cannot judge as the engine does: a date that is text, a tier or
        # category outside the lists, a 服务企业数 that is text.
        ("无法判断", f'IF(OR(AND({a["date"]}<>"",NOT(ISNUMBER({a["date"]}))),'
                     f'AND({a["tier"]}<>"",ISNA(MATCH(TRIM({a["tier"]}),{c.NAME_TIERS},0))),'
                     f'AND({a["category"]}<>"",ISNA(MATCH(TRIM({a["category"]}),{OFFER_NAMES},0))),'
                     f'AND({a["enterprises"]}<>"",NOT(ISNUMBER({a["enterprises"]})))),1,0)', 0),
    ]


def _signin_formulas() -> list[tuple[str, str, Any]]:
    """Helper columns of the 服务对象 block. A row reads its own cells and the activity and roster
    helpers, never the other sign-ins — except, for an enterprise off the roster, to find its
    first sign-in and its earliest session — so typing a sign-in recomputes little."""
    r = 2
    s_id, code = _src(SIGNIN, "activity_id", r), _clean(_src(SIGNIN, "uscc", r))
    col = _columns(_SIGN, r, "session", "key", "roster", "first", "sort", "tier")
    keys, sorts = _range(_SIGN + 1, SIGNIN.capacity), _range(_SIGN + 4, SIGNIN.capacity)
    earliest = f"SUMPRODUCT(MIN({sorts}+({keys}<>{col['key']})*{_NEVER}))"
    return [
        # Position of its session among the counted activity rows (0: blank, unknown, not counted).
        ("活动位置", f'IF(TRIM({s_id})="",0,IFERROR(MATCH({_clean(s_id)},{ACT_COUNTED},0),0))', 0),
        ("有效代码", f'IF({col["session"]}=0,"",IF(LEN({code})<>18,"",'
                     f'IF(IFERROR({check_digit_ok(code)},0)=1,{code},"")))', ""),
        ("名册位置", f'IF({col["key"]}="",0,IFERROR(MATCH({col["key"]},{ROSTER_KEY},0),0))', 0),
        # An enterprise on neither the valid roster nor the registry is counted on its first
        # counted sign-in (the roster and registry count theirs on their own rows).
        ("非名册首次", f'IF(OR({col["key"]}="",{col["roster"]}>0),0,IF(ISNUMBER(MATCH({col["key"]},{REG_CODES},0)),0,'
                       f'IF(MATCH({col["key"]},{keys},0)=ROW()-1,1,0)))', 0),
        ("排序", f'IF({col["key"]}="",{_NEVER},INDEX({ACT_SORT},{col["session"]}))', _NEVER),
        # Its tier: that of the earliest counted session of any of its sign-ins (smallest key).
        ("梯度", f'IF({col["first"]}=0,"",INDEX({ACT_TIER},MOD({earliest},10000)-1))', ""),
    ]


def _roster_formulas() -> list[tuple[str, str, Any]]:
    """Helper columns of the 培育企业 block: the valid roster row of each credit code, and whether
    that enterprise signed in at a counted session (unless the registry decides its tier)."""
    r = 2
    code, name, tier = _clean(_src(ROSTER, "uscc", r)), _src(ROSTER, "name", r), _src(ROSTER, "tier", r)
    col = _columns(_ROST, r, "key0", "key", "tier", "unsure", "served")
    keys0 = _range(_ROST, ROSTER.capacity)
    return [
        ("无错代码", f'IF(OR(LEN({code})<>18,TRIM({name})="",ISNA(MATCH(TRIM({tier}),{c.NAME_TIERS},0))),"",'
                     f'IF(IFERROR({check_digit_ok(code)},0)=1,{code},""))', ""),
        ("有效代码", f'IF({col["key0"]}="","",IF(MATCH({col["key0"]},{keys0},0)=ROW()-1,{col["key0"]},""))', ""),
        ("梯度", f'IF({col["key"]}="","",TRIM({tier}))', ""),
        ("无法判断", f'IF(AND({tier}<>"",ISNA(MATCH(TRIM({tier}),{c.NAME_TIERS},0))),1,0)', 0),
        ("已服务", f'IF({col["key"]}="",0,IF(ISNUMBER(MATCH({col["key"]},{REG_CODES},0)),0,'
                   f'IF(ISNUMBER(MATCH({col["key"]},{SIGNIN_KEY},0)),1,0)))', 0),
    ]


def _offer_rows(plan: Plan) -> list[tuple[str, list[int]]]:
    """Every category name and alias → 1/0 per tier: does 附表1 offer it ("/" = not offered)."""
    rows = []
    for category in plan.categories:
        offered = [0 if plan.session_quota(category.label, t) is None else 1 for t in plan.tier_labels]
        rows.extend((name, offered) for name in (category.label, *category.aliases))
    return rows


def _blocks(plan: Plan) -> list[tuple[int, EntrySheet, list[tuple[str, str, Any]]]]:
    return [(_ACT, ACTIVITY, _activity_formulas(plan.year)), (_SIGN, SIGNIN, _signin_formulas()),
            (_ROST, ROSTER, _roster_formulas())]


def build_calc(book: Any, plan: Plan) -> None:
    """The hidden helper sheet (its cells are filled in by :func:`write_calc_cells` once the
    workbook is closed), the lookup tables on ``_lists``, and the defined names."""
    ws = book.add_worksheet(c.CALC)
    ws.hide()
    define_uscc_names(book)
    names: Mapping[str, tuple[int, int]] = {
        ACT_COUNTED: (_ACT + 3, ACTIVITY.capacity), ACT_TIER: (_ACT + 4, ACTIVITY.capacity),
        ACT_VISITS: (_ACT + 5, ACTIVITY.capacity), ACT_SORT: (_ACT + 6, ACTIVITY.capacity),
        ACT_UNSURE: (_ACT + 7, ACTIVITY.capacity),
        SIGNIN_KEY: (_SIGN + 1, SIGNIN.capacity), SIGNIN_TIER: (_SIGN + 5, SIGNIN.capacity),
        ROSTER_KEY: (_ROST + 1, ROSTER.capacity), ROSTER_TIER: (_ROST + 2, ROSTER.capacity),
        ROSTER_UNSURE: (_ROST + 3, ROSTER.capacity), ROSTER_SERVED: (_ROST + 4, ROSTER.capacity),
    }
    # The look-up ranges end at the last row in use: a MATCH that finds nothing reads the rows
    # filled so far, not all 30,000 prepared ones (INDEX:INDEX is a plain, non-volatile reference).
    dynamic = {ACT_COUNTED: 2, SIGNIN_KEY: 1, ROSTER_KEY: 3}
    for name, (col, rows) in names.items():
        whole = sheet_ref(c.CALC, 1, col, rows, col)
        if name in dynamic:
            used = sheet_ref(c.CALC, dynamic[name], _USED)
            book.define_name(name, f"=INDEX({whole},1):INDEX({whole},MAX(1,{used}))")
        else:
            book.define_name(name, "=" + whole)


def build_lookup_tables(book: Any, ws: Any, plan: Plan, first_col: int) -> None:
    """附表1's offer matrix (names and aliases × tiers) and the plan's registry, on ``_lists``."""
    rows = _offer_rows(plan)
    ws.write_string(0, first_col, "服务类别（含别名）")
    for j, tier in enumerate(plan.tier_labels, start=1):
        ws.write_string(0, first_col + j, tier)
    for i, (name, offered) in enumerate(rows, start=1):
        ws.write_string(i, first_col, name)
        for j, value in enumerate(offered, start=1):
            ws.write_number(i, first_col + j, value)
    book.define_name(OFFER_NAMES, "=" + sheet_ref(c.LISTS, 1, first_col, len(rows), first_col))
    book.define_name(OFFER, "=" + sheet_ref(c.LISTS, 1, first_col + 1, len(rows), first_col + len(plan.tiers)))
    reg = first_col + len(plan.tiers) + 2
    entries = sorted((code, tier) for code, tier in plan.registry.items() if plan.tier(tier) is not None)
    ws.write_string(0, reg, "省定名单代码")
    ws.write_string(0, reg + 1, "梯度")
    ws.write_string(0, reg + 2, "已服务")
    for i, (code, tier) in enumerate(entries or [("", "")], start=1):
        ws.write_string(i, reg, code)
        ws.write_string(i, reg + 1, tier)
        ref = f"{col_letter(reg)}{i + 1}"
        ws.write_formula(i, reg + 2, f'=IF({ref}="",0,IF(ISNUMBER(MATCH({ref},{SIGNIN_KEY},0)),1,0))', None, 0)
    n = max(len(entries), 1)
    book.define_name(REG_SERVED, "=" + sheet_ref(c.LISTS, 1, reg + 2, n, reg + 2))
    book.define_name(REG_CODES, "=" + sheet_ref(c.LISTS, 1, reg, n, reg))
    book.define_name(REG_TIER, "=" + sheet_ref(c.LISTS, 1, reg + 1, n, reg + 1))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def calc_sheet_data(plan: Plan) -> str:
    """The ``<sheetData>`` of ``_calc``: each helper column as one shared formula.

    A shared formula is how Excel itself stores a filled-down column: the formula is written
    once, every other cell refers to it. LibreOffice then parses some twenty formulas instead of
    a quarter of a million, which is most of its load time; Excel 2007+ and WPS read it natively.
    """
    blocks = _blocks(plan)
    height = max(sheet.capacity for _, sheet, _ in blocks) + 1
    cells: list[list[str]] = [[] for _ in range(height)]
    si = 0
    for first, sheet, columns in blocks:
        for j, (header, formula, cached) in enumerate(columns):
            letter = col_letter(first + j)
            cells[0].append(f'<c r="{letter}1" t="inlineStr"><is><t>{_xml(header)}</t></is></c>')
            last = sheet.capacity + 1
            kind = ' t="str"' if isinstance(cached, str) else ""
            value = f"<v>{_xml(str(cached))}</v>"
            cells[1].append(f'<c r="{letter}2"{kind}><f t="shared" ref="{letter}2:{letter}{last}" si="{si}">'
                            f"{_xml(formula)}</f>{value}</c>")
            tail = f'<f t="shared" si="{si}"/>{value}</c>'
            for row in range(3, last + 1):
                cells[row - 1].append(f'<c r="{letter}{row}"{kind}>{tail}')
            si += 1
    letter = col_letter(_USED)
    cells[0].append(f'<c r="{letter}1" t="inlineStr"><is><t>已用行数</t></is></c>')
    for row, sheet, key in ((2, SIGNIN, "activity_id"), (3, ACTIVITY, "id"), (4, ROSTER, "uscc")):
        first, last = f"{sheet.name}'!${_col(sheet, key)}$2", f"${_col(sheet, key)}${sheet.capacity + 1}"
        other = "name" if sheet is not SIGNIN else "uscc"
        rng = f"'{first}:{last}"
        rng2 = f"'{sheet.name}'!${_col(sheet, other)}$2:${_col(sheet, other)}${sheet.capacity + 1}"
        formula = f'IFERROR(LOOKUP(2,1/(LEN({rng}&{rng2})>0),ROW({rng})-1),0)'
        cells[row - 1].append(f'<c r="{letter}{row}"><f>{_xml(formula)}</f><v>0</v></c>')
    # Cells of a row must be in column order; blocks are laid out left to right, rows top down.
    rows = "".join(f'<row r="{i + 1}">{"".join(row)}</row>' for i, row in enumerate(cells) if row)
    return f"<sheetData>{rows}</sheetData>"


# --- the 完成情况 formulas over these helpers -----------------------------------------------

def sessions_formula(tier: str) -> str:
    """Counted sessions of the tier named in cell ``tier``."""
    return f"=COUNTIF({ACT_TIER},{tier})"


def visits_formula(tier: str) -> str:
    """服务企业户次: declared 服务企业数 of the tier's counted sessions."""
    return f"=SUMIF({ACT_TIER},{tier},{ACT_VISITS})"


def served_formula(tier: str) -> str:
    """服务企业户数: distinct enterprises served, each once — registry entries under their registry
    tier, valid roster rows under their roster tier, the others under their earliest session's."""
    return (f"=COUNTIFS({REG_TIER},{tier},{REG_SERVED},1)+COUNTIFS({ROSTER_TIER},{tier},{ROSTER_SERVED},1)"
            f"+COUNTIF({SIGNIN_TIER},{tier})")


def unsure_total() -> str:
    """Rows whose cells the formulas cannot judge the way the engine does."""
    return f"(SUM({ACT_UNSURE})+SUM({ROSTER_UNSURE}))"
