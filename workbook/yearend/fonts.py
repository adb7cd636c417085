"""Fonts of the 专题报告: government-document faces in Word, a CJK face found by name for charts.

Word runs name the faces of a government document (GB/T 9704): 方正小标宋简体 for the title,
黑体 for level-one headings, 楷体 for level-two, 仿宋 for the body, set as East-Asian fonts
(``w:eastAsia``) so Word and WPS use them for Chinese text. Where a face is not installed
(typically Linux, where the PDF is made with LibreOffice), the document's font table names a
fallback (``w:altName``): Noto Serif CJK SC for 仿宋/宋体/楷体 and the title, Noto Sans CJK SC
for 黑体 — both from Debian's fonts-noto-cjk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

SERIF_FALLBACK = "Noto Serif CJK SC"
SANS_FALLBACK = "Noto Sans CJK SC"
LATIN = "Times New Roman"


@dataclass(frozen=True)
class Face:
    """An East-Asian face named in the document and the face LibreOffice may take for it."""

    name: str
    fallback: str


TITLE = Face("方正小标宋简体", SERIF_FALLBACK)
HEADING1 = Face("黑体", SANS_FALLBACK)
HEADING2 = Face("楷体", SERIF_FALLBACK)
BODY = Face("仿宋", SERIF_FALLBACK)
TABLE = Face("宋体", SERIF_FALLBACK)
FACES = (TITLE, HEADING1, HEADING2, BODY, TABLE)

#: Chart faces, first found wins (matplotlib looks them up by family name, never by path).
CHART_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC", "Source Han Serif SC",
                  "SimHei", "Microsoft YaHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimSun")


@cache
def chart_family() -> str | None:
    """The first CJK family of CHART_FAMILIES that matplotlib knows on this machine, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CHART_FAMILIES if name in known), None)
