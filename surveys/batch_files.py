"""Paper batches, read: what a CSV or XLSX file is (from its bytes, not its name), its rows one at
a time (never all of them at once), and each cell turned into the answer `response_submit` takes,
accepting the ways people write on paper and in spreadsheets (a choice's words in any language,
yes/no in several, dates as 2026-03-15, 3/15/2026 or 15.03.2026, real date cells). The problem
messages, in the reader's language, are here too. Nothing here touches the database."""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from privacy.attachments import sniff_content_type
from surveys.models import Question

CSV, XLSX = "csv", "xlsx"
OPTIONAL_COLUMNS = ("language", "field_office", "form_id")
FORM_ID_MAX = 64
# What an .xlsx may hold once unpacked: its parts are read in full (shared strings), so a small
# file that unpacks into gigabytes is refused before it is opened.
XLSX_MAX_UNPACKED = 100 * 1024 * 1024
# openpyxl holds every shared string in memory (about 60 bytes each beyond its text).
XLSX_MAX_SHARED_STRINGS = 20 * 1024 * 1024

YES = {"yes", "y", "sí", "si", "s", "oui", "wi", "sim", "да", "da", "có", "co", "是", "نعم", "ਹਾਂ", "true"}
NO = {"no", "n", "non", "não", "nao", "нет", "net", "không", "khong", "否", "不", "لا", "ਨਹੀਂ", "false"}
SEPARATORS = re.compile(r"[,;]+")
DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
OFFICE_CODE = re.compile(r"^[A-Z]{3}$")


class FileUnreadable(Exception):
    """The file cannot be read as a table at all; `code` says why (unreadable, no_header)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- What the file is ---------------------------------------------------------------------------


def sniff_kind(data: bytes) -> str | None:
    """CSV, XLSX, or None for anything else (an old .xls, a PDF, a photo, a .docx), by content."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return XLSX if "xl/workbook.xml" in names else None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV  # Excel's "Unicode text": tab-separated UTF-16
    head = data[:65536]
    if b"\x00" in head or sniff_content_type(head[:8192]) is not None:  # a photo, a PDF, a recording
        return None
    text = head.decode("latin-1")
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n\x0c")
    return CSV if controls == 0 else None


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without its byte-order mark), UTF-16 with its mark, else Windows' cp1252
    (which reads Latin-1 text the same), else Latin-1, which reads anything. Checked a piece at a
    time, so no second copy of the file is made."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        view = memoryview(data)
        try:
            for start in range(0, len(view), 65536):
                decoder.decode(view[start : start + 65536])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def sniff_delimiter(first_line: str) -> str:
    """The separator of the header row: comma, semicolon (Excel where a comma is the decimal
    mark) or tab, whichever it has most of."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def iter_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row, the header being row 1, as the spreadsheet numbers
    them. Whatever goes wrong inside the reading becomes FileUnreadable."""
    kind = sniff_kind(data)
    if kind is None:
        raise FileUnreadable("unreadable")
    rows = _xlsx_rows(data) if kind == XLSX else _csv_rows(data)
    try:
        yield from rows
    except FileUnreadable:
        raise
    except Exception:  # a damaged file can fail in any of the parsers' own ways
        raise FileUnreadable("unreadable") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    encoding = detect_encoding(data)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    first_line = stream.readline()
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        # Excel's own hint of the separator: a line Excel does not show, so not a row.
        delimiter = first_line.strip()[4]
    else:
        stream.seek(0)
        delimiter = sniff_delimiter(first_line)
    yield from enumerate(csv.reader(stream, delimiter=delimiter), start=1)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    import openpyxl

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        items = archive.infolist()
        shared = sum(item.file_size for item in items if item.filename.lower().endswith("sharedstrings.xml"))
        if sum(item.file_size for item in items) > XLSX_MAX_UNPACKED or shared > XLSX_MAX_SHARED_STRINGS:
            raise FileUnreadable("unreadable")
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise FileUnreadable("no_header")
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        width = max((n + 1 for n, value in enumerate(header) if value not in (None, "")), default=0)
        if not width:
            raise FileUnreadable("no_header")
        yield 1, list(header[:width])
        # Only as many columns as the header names: a stray mark far to the right is not a column.
        yield from enumerate((list(row) for row in sheet.iter_rows(min_row=2, max_col=width, values_only=True)), 2)
    finally:
        workbook.close()


# --- What a cell says ---------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: numbers without a needless ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for pattern, order in ((ISO_DATE, (0, 1, 2)), (US_DATE, (2, 0, 1)), (DOTTED_DATE, (2, 1, 0))):
        found = pattern.match(text)
        if found:
            year, month, day = (int(found.group(n + 1)) for n in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


class CellReader:
    """Turns one question's cells into what response_submit takes: a choice's value from its
    value or its words in any language (any case), yes/no from a small set of words, several
    choices separated by commas, semicolons or spaces, numbers with a decimal comma, dates in
    three ways. Anything it cannot place is passed on as written, for the shared rules to refuse."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.kind = question.kind
        self.words: dict[str, str] = {}
        for choice in question.choices.all():
            for text in (choice.label.data or {}).values() if isinstance(choice.label.data, dict) else ():
                if text:
                    self.words.setdefault(_fold(text), choice.value)
        for choice in question.choices.all():  # a choice's own value wins over another's words
            self.words[_fold(choice.value)] = choice.value

    def read(self, value):
        kind = self.kind
        if kind == Question.Kind.DATE:
            if value in (None, ""):
                return ""
            return parse_date(value) or cell_text(value)
        text = cell_text(value)
        if not text:
            return ""
        if kind == Question.Kind.YES_NO:
            folded = _fold(text)
            return "yes" if folded in YES else "no" if folded in NO else text
        if kind == Question.Kind.SCALE:
            return text
        if kind == Question.Kind.SINGLE:
            return self.words.get(_fold(text), text)
        if kind == Question.Kind.MULTIPLE:
            return self._several(text)
        if kind == Question.Kind.NUMBER:
            return text.replace(",", ".") if DECIMAL_COMMA.match(text) else text
        return text

    def _several(self, text: str) -> list[str]:
        picked = []
        for part in SEPARATORS.split(text):
            part = part.strip()
            if not part:
                continue
            whole = self.words.get(_fold(part))
            if whole is not None:
                picked.append(whole)
            else:
                picked.extend(self.words.get(_fold(word), word) for word in part.split())
        return picked


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|\s*-\s*copy|\s+copy|\s*-\s*copia|\s+copia)+$", re.IGNORECASE)


def file_lineage(file_name: str) -> str:
    """A file and its corrected copies share a name: "forty.csv", "Forty (2).CSV" and
    "forty - Copy.xlsx" are one lineage, "week2.csv" another."""
    stem = file_name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return COPY_SUFFIX.sub("", " ".join(stem.split())).casefold()


def canonical(value) -> str:
    """A cleaned answer as one stable string, for recognising the same row uploaded again."""
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


# --- The header ---------------------------------------------------------------------------------


@dataclass
class Header:
    """Where each question's (and each optional) column is, and what is wrong with row 1."""

    columns: dict[str, int] = field(default_factory=dict)  # name -> index
    unnamed: list[int] = field(default_factory=list)  # columns with no name (their cells must stay empty)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, code)
    missing: set[str] = field(default_factory=set)


def read_header(cells: list, questions: list[Question]) -> Header:
    names = {question.name.casefold(): question.name for question in questions if question.kind != Question.Kind.NOTE}
    header = Header()
    for index, value in enumerate(cells):
        text = cell_text(value).strip().lstrip("\ufeff")
        if not text:
            header.unnamed.append(index)
            continue
        name = names.get(text.casefold()) or (text.casefold() if text.casefold() in OPTIONAL_COLUMNS else None)
        if name is None:
            header.problems.append((text[:64], "unknown_column"))
        elif name in header.columns:
            header.problems.append((name, "duplicate_column"))
        else:
            header.columns[name] = index
    for question in questions:
        if question.required and question.kind != Question.Kind.NOTE and question.name not in header.columns:
            header.missing.add(question.name)
            header.problems.append((question.name, "missing_column"))
    return header


# --- The template and the help on columns ---------------------------------------------------------

EXAMPLE_FORM_ID = "EXAMPLE"


def template_rows(questions: list[Question], *, language: str) -> list[list[str]]:
    """The header (every question's name, then the optional columns) and one example row that
    follows the show-if rules; its form number marks it, so it is refused if left in the file."""
    answers: dict[str, object] = {}
    example = []
    for question in questions:
        if question.kind == Question.Kind.NOTE:
            continue
        rule = question.show_if or {}
        if rule:
            earlier = answers.get(rule.get("question"))
            wanted = str(rule.get("value"))
            shown = earlier is not None and (wanted in earlier if isinstance(earlier, list) else str(earlier) == wanted)
            if not shown:
                example.append("")
                continue
        value = _example_value(question)
        answers[question.name] = value
        example.append(" ".join(value) if isinstance(value, list) else value)
    names = [question.name for question in questions if question.kind != Question.Kind.NOTE]
    return [[*names, *OPTIONAL_COLUMNS], [*example, language, "HOU", EXAMPLE_FORM_ID]]


def _example_value(question: Question):
    values = [choice.value for choice in question.choices.all()]
    kind = question.kind
    if kind == Question.Kind.YES_NO:
        return "yes"
    if kind == Question.Kind.SCALE:
        return "3"
    if kind == Question.Kind.SINGLE:
        return values[0] if values else ""
    if kind == Question.Kind.MULTIPLE:
        return values[:2]
    if kind == Question.Kind.NUMBER:
        low, high = question.min_value, question.max_value
        if low is not None and high is not None:
            return _number((low + high) // 2)
        return _number(low if low is not None else high if high is not None else 1)
    if kind == Question.Kind.DATE:
        return "2026-03-15"
    return _("Words from the paper form")


def column_hint(question: Question) -> str:
    """What to write in a question's column."""
    kind = question.kind
    if kind == Question.Kind.YES_NO:
        return _("yes or no")
    if kind == Question.Kind.SCALE:
        return _("a number from 1 to 5")
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        values = ", ".join(choice.value for choice in question.choices.all())
        if kind == Question.Kind.MULTIPLE:
            return _("one or more of: %(choices)s (with commas between them)") % {"choices": values}
        return _("one of: %(choices)s") % {"choices": values}
    if kind == Question.Kind.NUMBER:
        if question.min_value is not None and question.max_value is not None:
            return _("a number from %(min)s to %(max)s") % {
                "min": _number(question.min_value),
                "max": _number(question.max_value),
            }
        return _("a number")
    if kind == Question.Kind.DATE:
        return _("a date, like 2026-03-15")
    return _("the person's own words")


# --- Messages -----------------------------------------------------------------------------------

FILE_PROBLEMS = {"unreadable", "no_header", "too_many_rows", "gone"}


def problem_text(code: str, question: Question | None = None, *, max_rows: int = 0) -> str:
    """What is wrong, in the active language, in words a 12-year-old understands."""
    kind = question.kind if question is not None else ""
    if code == "required":
        return _("this question needs an answer.")
    if code == "choice":
        if kind == Question.Kind.YES_NO:
            return _("write yes or no.")
        if kind == Question.Kind.SCALE:
            return _("write a number from 1 to 5.")
        values = ", ".join(choice.value for choice in question.choices.all()) if question is not None else ""
        if kind == Question.Kind.MULTIPLE:
            return _(
                "one of these is not a choice. Write choices from this list, with commas between them: %(choices)s."
            ) % {"choices": values}
        return _("this is not one of the choices. Write one of these: %(choices)s.") % {"choices": values}
    if code == "number":
        return _("write a number, like 34.")
    if code == "bounds":
        low = _number(question.min_value) if question is not None else None
        high = _number(question.max_value) if question is not None else None
        if low is not None and high is not None:
            return _("the number must be between %(min)s and %(max)s.") % {"min": low, "max": high}
        if low is not None:
            return _("the number must be %(min)s or more.") % {"min": low}
        return _("the number must be %(max)s or less.") % {"max": high}
    if code == "date":
        return _("write the date like 2026-03-15, 3/15/2026 or 15.03.2026.")
    if code == "text":
        return _("the text is too long. Make it shorter.")
    if code == "language":
        return _("write a language code, like es for Spanish or en for English.")
    if code == "field_office":
        return _("write the 3-letter code of an ICE field office, like HOU for Houston.")
    if code == "form_id":
        return _("the form number is too long (at most 64 letters and digits).")
    if code == "example_row":
        return _("this is the example row of the template. Delete this row.")
    if code == "form_id_repeated":
        return _("this form number is also in an earlier row. Each paper form needs its own number.")
    if code == "unknown_column":
        return _("no question has this name. Give the column the name of a question, or delete the column.")
    if code == "missing_column":
        return _("this column is missing. Add it, with the answers to this question.")
    if code == "duplicate_column":
        return _("this column is in the file twice. Keep only one of them.")
    if code == "no_column_name":
        return _("this column has answers but no name in row 1. Write the question's name in row 1.")
    if code == "no_rows":
        return _("the file has no rows with answers.")
    if code == "no_header":
        return _("the file is empty. Row 1 must have the names of the columns.")
    if code == "too_many_rows":
        return _("the file has more than %(max)s rows. Split it into smaller files.") % {"max": max_rows}
    if code == "gone":
        return _("the file is no longer here. Please upload it again.")
    return _("the file could not be read. Save it again as CSV or Excel (.xlsx) and upload it again.")


def problem_sentence(row: int, column: str, code: str, question: Question | None = None, **kwargs) -> str:
    """The whole sentence: "Row 12, column age: the number must be between 14 and 110." """
    text = problem_text(code, question, **kwargs)
    if not row:
        return capfirst(text)
    if not column:
        return _("Row %(row)s: %(problem)s") % {"row": row, "problem": text}
    return _("Row %(row)s, column %(column)s: %(problem)s") % {"row": row, "column": column, "problem": text}


def _number(value) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")
