"""PDFs of the reports through LibreOffice headless, all documents in one soffice run.

soffice runs with a user profile of its own in a temporary folder (so it neither waits for nor
disturbs a LibreOffice the user has open), under a timeout. The profile carries a font
replacement table: where a government-document face (仿宋, 黑体…) is not installed, LibreOffice
takes its Noto CJK fallback (see ``fonts``) instead of whatever fontconfig would pick.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from tidu.workbook.yearend.fonts import FACES

SECONDS_BASE, SECONDS_PER_DOCUMENT = 90, 15


class PdfError(Exception):
    """LibreOffice is missing or failed; the message is for the user, in Chinese."""


def soffice() -> str | None:
    """The LibreOffice program on PATH (soffice or libreoffice), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _replacement_table() -> str:
    """registrymodifications.xcu with one always-on replacement per face (Tools ▸ Options ▸ Fonts)."""
    nodes = []
    for i, face in enumerate(FACES):
        props = (("Always", "true"), ("OnScreenOnly", "false"), ("ReplaceFont", escape(face.name)),
                 ("SubstituteFont", escape(face.fallback)))
        nodes.append(f'<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs">'
                     f'<node oor:name="_{i}" oor:op="replace">'
                     + "".join(f'<prop oor:name="{k}" oor:op="fuse"><value>{v}</value></prop>' for k, v in props)
                     + "</node></item>")
    nodes.append('<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
                 '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            + "\n".join(nodes) + "\n</oor:items>\n")


def to_pdf(documents: Sequence[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Convert ``documents`` to PDF into ``out_dir`` in one LibreOffice run; returns the PDFs made.

    Raises :class:`PdfError` (Chinese message) when LibreOffice is missing, times out or fails.
    """
    if not documents:
        return []
    program = soffice()
    if program is None:
        raise PdfError("未找到 LibreOffice（soffice），无法生成 PDF；Word 文档已生成。"
                       "请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer）后重试，"
                       "或用 Word/WPS 打开文档另存为 PDF。")
    limit = timeout or SECONDS_BASE + SECONDS_PER_DOCUMENT * len(documents)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdfs = [out_dir / (Path(p).stem + ".pdf") for p in documents]
    for old in pdfs:  # so that a PDF left from an earlier run is never taken for a new one
        old.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tidu-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_replacement_table(), encoding="utf-8")
        command = [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out_dir), *map(str, documents)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice 转换 PDF 超时（{limit:.0f} 秒）；Word 文档已生成。") from None
        except OSError as exc:
            raise PdfError(f"无法启动 LibreOffice（{exc}）；Word 文档已生成。") from None
    made = [p for p in pdfs if p.exists()]
    if len(made) < len(pdfs):
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
        raise PdfError(f"LibreOffice 只生成了 {len(made)}/{len(pdfs)} 个 PDF（退出码 {done.returncode}）"
                       f"{'：' + detail if detail else ''}；Word 文档已生成。")
    return made

