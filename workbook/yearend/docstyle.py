"""Word building blocks in the style of a government document (GB/T 9704-like), over python-docx.

A4 with the standard margins, 仿宋 三号 body with a two-character first-line indent, 黑体 and
楷体 headings numbered 一、/（一）, tables in 宋体 whose header row repeats on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from tidu.workbook.yearend.fonts import BODY, FACES, HEADING1, HEADING2, LATIN, TABLE, TITLE, Face

BODY_PT, TABLE_PT, TITLE_PT = 16, 9, 22  # 三号, 小五, 二号
NO_FIGURE = "—"  # no completion figure (no target): not 0%, not ∞


def set_face(element: Any, face: Face) -> None:
    """Name ``face`` for East-Asian text (w:eastAsia) and Times New Roman for Latin on a run or style."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, name in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", face.name), ("w:cs", LATIN)):
        fonts.set(qn(attr), name)


def _style(doc: Any, name: str, face: Face, size: float, bold: bool = False) -> Any:
    style = doc.styles[name]
    style.font.name = LATIN
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_face(style.element, face)
    return style


def _font_table(doc: Any) -> None:
    """Declare each face with its fallback (w:altName), so a machine without it knows what to take."""
    from lxml import etree

    part = next((p for p in doc.part.package.parts if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    # python-docx loads the font table as a plain part (bytes): edit its XML and put it back.
    table = etree.fromstring(part.blob)
    for face in FACES:
        font = etree.SubElement(table, qn("w:font"))
        font.set(qn("w:name"), face.name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), face.fallback)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _chinese(doc: Any) -> None:
    """Mark East-Asian text as zh-CN (python-docx's template says otherwise), so CJK fonts show
    simplified-Chinese glyph forms and Word proofs it as Chinese."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def new_document(title: str, subject: str) -> Any:
    """An empty A4 document with the report's styles and core properties."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = _style(doc, "Normal", BODY, BODY_PT)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, face in (("Heading 1", HEADING1), ("Heading 2", HEADING2), ("Heading 3", BODY)):
        style = _style(doc, name, face, BODY_PT, bold=name == "Heading 3")
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    _style(doc, "Title", TITLE, TITLE_PT)
    _style(doc, "Table Grid", TABLE, TABLE_PT)
    _style(doc, "Caption", HEADING1, TABLE_PT)
    _font_table(doc)
    _chinese(doc)
    doc.core_properties.title = title
    doc.core_properties.subject = subject
    doc.core_properties.author = "tidu"
    return doc


def run(paragraph: Any, text: str, face: Face = BODY, size: float | None = None, bold: bool = False) -> Any:
    """A run of text in ``face`` (East-Asian name set on the run itself as well)."""
    r = paragraph.add_run(text)
    set_face(r._element, face)
    if size:
        r.font.size = Pt(size)
    r.font.bold = bold
    return r


def paragraph(doc: Any, text: str = "", indent: bool = True, align: Any = None) -> Any:
    """A body paragraph, indented two characters as in a government document."""
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    if align is not None:
        p.alignment = align
    if text:
        run(p, text)
    return p


def heading(doc: Any, text: str, level: int) -> Any:
    """A heading whose number is part of its text (一、 at level 1, （一） at level 2)."""
    h = doc.add_heading(level=level)
    run(h, text, HEADING1 if level == 1 else HEADING2 if level == 2 else BODY, bold=level >= 3)
    return h


def prompt(doc: Any, text: str, lines: int = 3) -> None:
    """A blank for the clerk: the prompt highlighted, then empty underlined lines to write on."""
    p = paragraph(doc)
    r = run(p, f"【请填写：{text}】")
    r.font.highlight_color = WD_COLOR_INDEX.YELLOW
    for _ in range(lines):
        blank = paragraph(doc)
        r = run(blank, "\u3000" * 26)
        r.font.underline = True


def page_break(doc: Any) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def caption(doc: Any, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, text, HEADING1, TABLE_PT)


def _repeat_header(row: Any) -> None:
    """Mark a row as the table's header, repeated at the top of every page (w:tblHeader)."""
    _row_flags(row, "w:cantSplit", "w:tblHeader")


def _keep_together(row: Any) -> None:
    """A row is never split over two pages."""
    _row_flags(row, "w:cantSplit")


def _row_flags(row: Any, *tags: str) -> None:
    trpr = row._tr.get_or_add_trPr()
    for tag in tags:  # schema order: cantSplit before tblHeader
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        trpr.append(el)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _cell(cell: Any, text: str, bold: bool = False, right: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.CENTER if bold else None
    run(p, text, TABLE, TABLE_PT, bold)


def table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths_cm: Sequence[float] | None = None,
          bold_last: bool = False) -> Any:
    """A grid table; the header row repeats on every page, numbers are right-aligned."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = t.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, headers, strict=True):
        _cell(cell, text, bold=True)
        _shade(cell, "D9E1F2")
    for i, values in enumerate(rows):
        cells = t.add_row().cells
        last = bold_last and i == len(rows) - 1
        for cell, value in zip(cells, values, strict=True):
            numeric = value is None or isinstance(value, (int, float)) or value == NO_FIGURE or (
                isinstance(value, str) and value.endswith("%"))
            _cell(cell, cell_text(value), bold=last, right=numeric and not last)
    for row in t.rows[1:]:
        _keep_together(row)
    if widths_cm:
        # Word reads the cells' widths, LibreOffice the grid's: set both.
        t.autofit = False
        for column, width in zip(t.columns, widths_cm, strict=True):
            column.width = Cm(width)
        for row in t.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    doc.add_paragraph()
    return t


def cell_text(value: Any) -> str:
    """How a table shows a value: whole numbers as digits, None as "/" (no target in the plan)."""
    if value is None:
        return "/"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def percent(rate: float | None) -> str:
    """A completion rate as shown in the report's tables: one decimal, or — without a target."""
    return NO_FIGURE if rate is None else f"{100 * rate:.1f}%"


def picture(doc: Any, png: bytes, width_cm: float = 15.5) -> None:
    """A chart, centred, as an inline picture (single line spacing: the body's exact 28pt would clip it)."""
    import io

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = 1.0
    p.paragraph_format.first_line_indent = Pt(0)
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
