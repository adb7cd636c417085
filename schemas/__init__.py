"""Declarative models of tidu: the plan, the workbook contract, entries and findings."""

from pathlib import Path

PLANS_DIR = Path(__file__).parent / "plans"
RULESETS_DIR = Path(__file__).parent / "rulesets"
