"""The printable 突发事件信息报告 (.docx), laid out as the office prints it: a 小标宋 title, the unit and the
signing leader on one line, then the form's headings and answers in a ruled table in 仿宋, A4.

python-docx writes the Word file the duty rooms open, edit and print; no office suite or PDF engine is needed
on the server, and the fonts are named for Word to use the ones installed on the reader's machine."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.document import Document as Word
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run

from schemas.report_form import ReportForm
from services.incident.domain.report_form import full_text
from services.local_time import LOCAL_TZ

__all__ = ["report_document"]

TITLE_FONT, BODY_FONT = "方正小标宋简体", "仿宋_GB2312"
TITLE_SIZE, BODY_SIZE = Pt(22), Pt(16)  # 二号 and 三号, as official documents set them


def report_document(form: ReportForm, incident_id: str, filed_at: datetime, unsigned: bool = False) -> bytes:
    """The form as a .docx file's bytes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(37)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _title(document, f"突发事件信息报告（{form.kind.label}）")
    signer = form.signed_by or ("未经签发" if unsigned else "")
    _line(document, f"报告单位：{form.reporting_unit}　　签发：{signer}")
    _line(document, f"事件编号：{incident_id}　　报送时间：{filed_at.astimezone(LOCAL_TZ):%Y年%m月%d日 %H:%M}")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for line in full_text(form).splitlines():
        heading, _, answer = line.partition("：")
        cells = table.add_row().cells
        _font(cells[0].paragraphs[0].add_run(heading), BODY_FONT, BODY_SIZE, bold=True)
        _font(cells[1].paragraphs[0].add_run(answer), BODY_FONT, BODY_SIZE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _title(document: Word, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), TITLE_FONT, TITLE_SIZE)


def _line(document: Word, text: str) -> None:
    _font(document.add_paragraph().add_run(text), BODY_FONT, BODY_SIZE)


def _font(run: Run, name: str, size: Pt, *, bold: bool = False) -> None:
    """Word takes a Chinese font only from the East Asian slot, which python-docx does not set itself."""
    run.font.name, run.font.size, run.font.bold = name, size, bold
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
