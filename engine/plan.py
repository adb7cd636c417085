"""Loading plan files and tier rule sets, and checking them as a whole.

``check_plan_file`` never raises for a bad file: every problem becomes a finding.
``load_plan`` is for callers that need a usable plan (a :class:`LoadedPlan`, plan and rules
never missing); it raises :class:`PlanError` carrying all findings when the file is not one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from tidu.engine import plan_cache
from tidu.engine.plan_checks import check_plan, check_rules
from tidu.schemas import PLANS_DIR, RULESETS_DIR
from tidu.schemas.catalogue import finding
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import LoadedPlan, Plan, TierRuleSet

T = TypeVar("T")


class PlanError(Exception):
    """A plan file that cannot be used; ``findings`` says everything that is wrong with it."""

    def __init__(self, source: str, findings: list[Finding]):
        self.source = source
        self.findings = findings
        lines = "\n".join(f"  [{f.code}] {f.message}" for f in findings)
        super().__init__(f"计划文件 {source} 有 {len(findings)} 处问题：\n{lines}")


@dataclass
class PlanReport:
    """The result of checking a plan file: the plan when it could be read, and all findings."""

    source: str
    plan: Plan | None = None
    rules: TierRuleSet | None = None
    findings: list[Finding] = field(default_factory=list)
    #: path → the very bytes that were parsed, of the plan file and of its rule set file
    sources: dict[str, bytes] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.plan is not None and not any(f.severity == Severity.ERROR for f in self.findings)


_PYDANTIC_REASONS = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的项（请检查拼写）",
    "unexpected_keyword_argument": "不认识的项（请检查拼写）",
    "int_parsing": '应为整数或 "/"',
    "int_type": '应为整数或 "/"',
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "string_type": "应为文字",
    "literal_error": "取值应为 {expected}",
    "tuple_type": "应为列表，如 [1, 2, 3]",
    "list_type": "应为列表，如 [1, 2, 3]",
    "dict_type": "应为“名称: 内容”的形式",
    "model_type": "应为“名称: 内容”的形式",
    "dataclass_type": "应为“名称: 内容”的形式",
}


def _where(loc: tuple[Any, ...]) -> str:
    parts = [f"第{p + 1}项" if isinstance(p, int) else str(p) for p in loc]
    return " › ".join(parts) or "文件顶层"


def _validation_findings(errors: list[dict[str, Any]], source: str) -> list[Finding]:
    out = []
    for err in errors:
        template = _PYDANTIC_REASONS.get(err["type"])
        ctx = err.get("ctx") or {}
        reason = template.format(**ctx) if template else err["msg"]
        out.append(finding("plan-field-invalid", file=source, where=_where(err["loc"]), reason=reason,
                           value=err.get("input") if not isinstance(err.get("input"), (dict, list)) else None))
    unique = {(f.message, f.value): f for f in out}
    return list(unique.values())


class _Invalid(Exception):
    """A file's data that does not fit its record: pydantic's errors, as plain dicts."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@cache
def _adapter(kind: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(kind)


def validated(kind: type[T], data: Any) -> T:
    """``data`` (as read from a file) as a ``kind`` record, checked by pydantic; raises
    :class:`_Invalid` with every error. pydantic is imported here, on first use, only."""
    from pydantic import ValidationError

    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        raise _Invalid(exc.errors()) from None


def as_json(record: Any) -> Any:
    """A plan record as JSON data, as its file would write it ("/" for a quota not assigned)."""
    return _adapter(type(record)).dump_python(record, mode="json")


def _read_yaml(path: Path) -> Any:
    """The file's data, parsed once per process and content (the shipped plan is read for its id
    and year, then loaded): shared, so callers only read it."""
    return _read_source(path)[1]


def _read_source(path: Path) -> tuple[bytes, Any]:
    """The file's bytes and the data parsed from exactly those bytes."""
    with open(path, "rb") as fh:
        content = fh.read()
    return content, _parsed_yaml(content)


@lru_cache(maxsize=16)
def _parsed_yaml(content: bytes) -> Any:
    import yaml

    # libyaml's parser (a C extension shipped in PyYAML's wheels) with the safe constructor: the
    # pure-Python parser takes 0.1 s per plan
    return yaml.load(content.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def _shipped_index() -> dict[str, tuple[Path, int]]:
    """id → (file, plan year) of every shipped plan: a valid one as loaded (kept, see
    engine.plan_cache), any other as its file says."""
    found: dict[str, tuple[Path, int]] = {}
    for path in sorted(PLANS_DIR.glob("*.yaml")):
        checked = _checked(str(path.resolve()))
        if isinstance(checked, tuple):
            found.setdefault(checked[0].id, (path, checked[0].year))
            continue
        data = _read_yaml(path)
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            year = data.get("year", 0)
            found.setdefault(data["id"], (path, year if isinstance(year, int) else 0))
    return found


def shipped_plans() -> dict[str, Path]:
    """The plans shipped with tidu, by the id written inside each file (not by file name)."""
    return {plan_id: path for plan_id, (path, _) in _shipped_index().items()}


def _newest_shipped_plan() -> Path:
    index = _shipped_index()
    if not index:
        raise PlanError(str(PLANS_DIR), [finding("plan-unreadable", file=str(PLANS_DIR), reason="没有随附的计划文件")])
    return max(index.values(), key=lambda entry: (entry[1], entry[0].name))[0]


def resolve_plan_path(plan: str | Path | None) -> Path:
    """A plan the analyst names on the command line: a file path, or the id of a shipped plan.

    None means the newest shipped plan. Never called with text from a submitted workbook: a
    workbook's plan id is only looked up among :func:`shipped_plans`.
    """
    if plan is None:
        return _newest_shipped_plan()
    path = Path(plan)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        return path
    shipped = shipped_plans().get(str(plan))
    return shipped if shipped is not None else PLANS_DIR / f"{plan}.yaml"


def check_plan_file(path: str | Path, rules_dir: Path = RULESETS_DIR) -> PlanReport:
    """Read a plan file and report every inconsistency in it; never raises for bad content."""
    import yaml

    path = Path(path)
    report = PlanReport(source=str(path))
    try:
        content, data = _read_source(path)
    except FileNotFoundError:
        report.findings.append(finding("plan-unreadable", file=str(path), reason="文件不存在"))
        return report
    except (OSError, UnicodeDecodeError) as exc:
        report.findings.append(finding("plan-unreadable", file=str(path), reason=f"无法读取（{exc}）"))
        return report
    except RecursionError:
        report.findings.append(finding("plan-unreadable", file=str(path),
                                       reason="括号或缩进嵌套层级过深，不是计划文件（或文件已损坏）"))
        return report
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近" if mark else ""
        report.findings.append(finding("plan-unreadable", file=str(path),
                                       reason=f"格式错误{where}，请检查缩进、冒号和引号"))
        return report
    if not isinstance(data, dict):
        report.findings.append(finding("plan-unreadable", file=str(path), reason="内容为空或不是计划文件"))
        return report
    try:
        report.plan = validated(Plan, data)
    except RecursionError:
        report.findings.append(finding("plan-unreadable", file=str(path), reason="内容嵌套层级过深，不是计划文件"))
        return report
    except _Invalid as exc:
        report.findings.extend(_validation_findings(exc.errors, str(path)))
        return report
    report.sources[str(path)] = content
    report.findings.extend(check_plan(report.plan))
    report.rules, rule_findings = _load_rules(report.plan, rules_dir, report.sources)
    report.findings.extend(rule_findings)
    return report


def _load_rules(plan: Plan, rules_dir: Path, sources: dict[str, bytes]) -> tuple[TierRuleSet | None, list[Finding]]:
    path = rules_dir / f"{plan.tier_rules}.yaml"
    if not path.exists():
        return None, [finding("plan-rules-missing", name=plan.tier_rules)]
    import yaml

    try:
        content, data = _read_source(path)
        rules = validated(TierRuleSet, data)
    except (yaml.YAMLError, _Invalid) as exc:
        reason = "格式错误" if isinstance(exc, yaml.YAMLError) else "; ".join(
            f"{_where(e['loc'])} {e['msg']}" for e in exc.errors)
        return None, [finding("plan-rules-invalid", name=plan.tier_rules, reason=reason)]
    sources[str(path)] = content
    return rules, list(check_rules(plan, rules))


@lru_cache(maxsize=8)
def _checked(path: str) -> tuple[Plan, TierRuleSet] | list[Finding]:
    """The plan file at ``path`` (resolved) with its rule set when it passes every check, else its
    errors: once per process, and kept between commands while its files do not change."""
    kept = plan_cache.recall(path)
    if kept is not None:
        return kept
    report = check_plan_file(path)
    if report.plan is None or report.rules is None or not report.valid:
        return [f for f in report.findings if f.severity == Severity.ERROR]
    plan_cache.remember(tuple(report.sources.items()), report.plan, report.rules)  # the plan file first
    return report.plan, report.rules


def load_plan(plan: str | Path | None = None) -> LoadedPlan:
    """A valid plan with its rule set, by path or shipped id (default: the newest shipped).

    Loaded once per process and path; raises :class:`PlanError` with every error otherwise.
    """
    path = resolve_plan_path(plan)
    checked = _checked(str(path.resolve()))
    if not isinstance(checked, tuple):
        raise PlanError(str(path), checked)
    return LoadedPlan(plan=checked[0], rules=checked[1], source=str(path))


def shipped_plan(plan_id: str) -> LoadedPlan | None:
    """The shipped plan with this id, or None: an identifier from a workbook is never a path."""
    path = shipped_plans().get(plan_id)
    if path is None:
        return None
    try:
        return load_plan(path)
    except PlanError:
        return None
