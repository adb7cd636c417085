"""The year-end 专题报告 (DESIGN §13): Word documents with charts, and their PDFs."""

from tidu.workbook.yearend.document import report_filename, write_report, write_reports
from tidu.workbook.yearend.pdf import PdfError, to_pdf

__all__ = ["PdfError", "report_filename", "to_pdf", "write_report", "write_reports"]
