"""Writing results exports: CSV streamed line by line, XLSX written row by row (openpyxl's
write-only mode), every text cell made safe to open in a spreadsheet."""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook

# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, which shows it
    as text; numbers stay numbers (a plain "-5" is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time (for StreamingHttpResponse). Starts with a byte-order mark
    so spreadsheet programs read it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(_text(value)) for value in row])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def xlsx_file(header: list[str], rows: Iterable[list], *, title: str = "responses"):
    """An XLSX workbook in a temporary file (kept in memory while small), rewound for reading."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(_cell(value)) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned open)
    workbook.save(spool)
    spool.seek(0)
    return spool


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, int | Decimal):
        return value
    return str(value)
