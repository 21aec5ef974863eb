"""XLSForm in and out: a survey written in a spreadsheet (the format of ODK, KoboToolbox and
SurveyCTO) read into the definition `services.survey_define` takes, and a version written back.

Reading is pure: it never writes to the database, and a file that is not a workbook, is too big,
or uses something Voces cannot represent gives problems, never an exception. A problem names its
sheet, row and column and a code; it never repeats a cell's text beyond a short name (a type, a
question or list name), so a report can be logged safely.
"""

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, SurveyVersion

# Limits for an uploaded file: a real XLSForm is a few hundred kilobytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024  # a zip bomb unpacks to far more
MAX_ZIP_ENTRIES = 500
MAX_SURVEY_ROWS = 2000
MAX_CHOICE_ROWS = 20000
MAX_SCANNED_ROWS = 100_000  # rows read, empty ones included, before a sheet is refused
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10000
MAX_TITLE_CHARS = 300
MAX_CHOICE_LABEL_CHARS = 300

ERROR, WARNING = "error", "warning"
SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
CHOICE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEYWORD = re.compile(r"^[A-Za-z0-9]{1,20}$")
RELEVANT_EQUALS = re.compile(
    r"""^\s*\$\{\s*([^}\s]+)\s*\}\s*=\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*$""",
)
RELEVANT_SELECTED = re.compile(
    r"""^\s*selected\s*\(\s*\$\{\s*([^}\s]+)\s*\}\s*,\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*\)\s*$""",
)
BOUND = re.compile(r"^\s*\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)\s*$")
LANGUAGE_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")

# Types filled in by a phone app rather than asked: left out with a warning.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
    "audit", "calculate", "hidden", "start-geopoint", "background-audio", "background-geopoint",
    "xml-external", "csv-external",
}  # fmt: skip
SELECT_ONE = ("select_one", "select one")
SELECT_MULTIPLE = ("select_multiple", "select multiple", "select all that apply")
SIMPLE_TYPES = {
    "integer": Question.Kind.NUMBER,
    "int": Question.Kind.NUMBER,
    "decimal": Question.Kind.NUMBER,
    "date": Question.Kind.DATE,
    "note": Question.Kind.NOTE,
    "text": Question.Kind.SHORT_TEXT,
    "string": Question.Kind.SHORT_TEXT,
}
BEGIN_GROUP = {"begin group", "begin_group"}
END_GROUP = {"end group", "end_group"}
CHOICE_KINDS = {Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.YES_NO, Question.Kind.SCALE}
SCALE_VALUES = ["1", "2", "3", "4", "5"]
SCALE_PARAMETERS = "start=1 end=5 step=1"
YES_NO_WORDS = (("yes", _("Yes")), ("no", _("No")))
# Survey columns that change what is asked: Voces cannot honour them, so they are errors.
REFUSED_COLUMNS = {"choice_filter", "repeat_count", "trigger"}
SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint", "appearance", "parameters"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MESSAGES = {
    "not_xlsx": _("This file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."),
    "file_too_big": _("This file is too big. An XLSForm must be smaller than %(detail)s MB."),
    "unpacks_too_big": _(
        "This file grows far too big once it is opened. An XLSForm only needs its survey, choices and settings "
        "sheets: copy them into a new workbook and try again."
    ),
    "too_many_rows": _("This sheet has too many rows. It can have at most %(detail)s."),
    "no_survey_sheet": _("The workbook has no sheet named survey."),
    "no_type_column": _("The first row of the survey sheet needs a column named type."),
    "no_name_column": _("The first row of this sheet needs a column named name."),
    "no_list_name_column": _("The first row of the choices sheet needs a column named list_name."),
    "empty": _("The survey has no questions."),
    "no_title": _("Give the survey a title in the form_title column of the settings sheet."),
    "language": _(
        "We do not know the language of this column, so it was left out. "
        "Write the language code in brackets, like label::Español (es)."
    ),
    "type_missing": _("This row has no type."),
    "type_unsupported": _(
        "The type %(detail)s cannot be used here. Use select_one, select_multiple, integer, decimal, "
        "range, date, text, note, begin group or end group."
    ),
    "metadata": _("The type %(detail)s is filled in by a phone app and cannot be used here, so this row was left out."),
    "name_missing": _("Every question and group needs a name."),
    "name_invalid": _(
        "A name can only have letters, numbers, _ and -. It must start with a letter or _ "
        "and be at most 64 characters long."
    ),
    "name_duplicate": _("The name %(detail)s is used twice. Every question needs its own name."),
    "label_missing": _("This question has no label (the words people read)."),
    "list_missing": _("Write the name of a choice list after %(detail)s, like select_one yes_no."),
    "list_unknown": _("The choices sheet has no list named %(detail)s."),
    "or_other": _("or_other cannot be used. Add a choice named other, and a text question shown when it is picked."),
    "nested_group": _(
        "A group inside a group cannot be used. Each group is one page: end the first group before you begin the next."
    ),
    "group_end": _("This end group has no begin group before it."),
    "group_open": _("This group never ends. Add an end group row after its last question."),
    "group_relevant": _("A group cannot have a relevant rule. Put the rule on each of its questions instead."),
    "group_empty": _("This group has no questions, so it was left out."),
    "required": _("Write yes or no in the required column."),
    "relevant": _("We can only show a question when one earlier answer has one value, like ${contact} = 'yes'."),
    "relevant_later": _("The rule names %(detail)s, which is not a question before this one."),
    "relevant_kind": _(
        "The rule names %(detail)s, but only a question with choices, a yes or no question or a scale "
        "can show another question."
    ),
    "relevant_value": _("%(detail)s is not one of the answers of the question the rule names."),
    "constraint": _(
        "We can only read a constraint on a number question, giving its smallest or largest value, "
        "like . >= 16 and . <= 110."
    ),
    "bounds": _(
        "The smallest number must not be larger than the largest one, and each can have at most "
        "10 digits before the point and 2 after it."
    ),
    "range": _("A range must go from 1 to 5 in steps of 1. Write start=1 end=5 step=1 in the parameters column."),
    "column_refused": _("The column %(detail)s cannot be used here. Leave it empty."),
    "column_ignored": _("This column cannot be used here, so it was left out."),
    "too_long": _("This text is too long. It can have at most %(detail)s characters."),
    "choice_list_missing": _("Write the list this choice belongs to in the list_name column."),
    "choice_name_missing": _("Every choice needs a name."),
    "choice_name_invalid": _(
        "A choice name can only have letters, numbers, _ and -, and be at most 64 characters long."
    ),
    "choice_duplicate": _("The list already has a choice named %(detail)s."),
    "choice_label_missing": _("This choice has no label (the words people read)."),
    "keyword_invalid": _("A keyword can only have letters and numbers, at most 20."),
    "keyword_taken": _("Another survey already uses the keyword %(detail)s, so this survey has no keyword."),
    "keyword_reserved": _(
        "People already send %(detail)s for something else (like STOP, YES, HELP or a language), so this survey "
        "has no keyword."
    ),
    "slug_missing": _(
        "Give the survey a short name in the form_id column of the settings sheet, using letters, numbers and -."
    ),
    "slug_taken": _("A survey named %(detail)s already exists. Change form_id in the settings sheet."),
    "form_id_other": _("This file was made for the survey %(detail)s. Its questions were put in this survey anyway."),
    "invalid": _("Something in this file cannot be saved: %(detail)s"),
}


@dataclass(frozen=True)
class XLSFormProblem:
    """One thing wrong with a file: an error refuses the import; a warning tells what was left out."""

    sheet: str
    row: int | None
    column: str
    code: str
    level: str = ERROR
    detail: str = ""  # a short name (a type, a question, a list), never an answer

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def message(self) -> str:
        text = str(MESSAGES.get(self.code, MESSAGES["invalid"])) % {"detail": self.detail}
        where = {"sheet": self.sheet, "row": self.row, "column": self.column, "message": text}
        if self.sheet and self.row and self.column:
            return gettext("Sheet %(sheet)s, row %(row)s, column %(column)s: %(message)s") % where
        if self.sheet and self.row:
            return gettext("Sheet %(sheet)s, row %(row)s: %(message)s") % where
        if self.sheet and self.column:
            return gettext("Sheet %(sheet)s, column %(column)s: %(message)s") % where
        if self.sheet:
            return gettext("Sheet %(sheet)s: %(message)s") % where
        return text

    def __str__(self) -> str:
        return self.message()


# --- Languages --------------------------------------------------------------------------------


def _language_lookup() -> dict[str, str]:
    """Every way a column may name a language (its code, or its name) → its code here."""
    lookup = {}
    for code, _name in settings.LANGUAGES:
        lookup[code.lower()] = code
        info = LANG_INFO.get(code, {})
        for key in ("name", "name_local"):
            if info.get(key):
                lookup[info[key].lower()] = code
    if "zh-hans" in lookup.values():
        lookup.update({"zh": "zh-hans", "zh-hans": "zh-hans"})
    return lookup


def language_code(text: str) -> str | None:
    """A language code from "English (en)", "Español (es)", "zh_Hans" or "Arabic"; None if unknown."""
    text = text.strip()
    lookup = _language_lookup()
    found = LANGUAGE_IN_BRACKETS.search(text)
    candidates = [found.group(1), text] if found else [text]
    for candidate in candidates:
        key = candidate.strip().lower().replace("_", "-")
        if key in lookup:
            return lookup[key]
    return None


def language_header(code: str) -> str:
    """The suffix of a translated column: "English (en)"."""
    name = LANG_INFO.get(code, {}).get("name", code)
    return f"{name} ({'zh-Hans' if code == 'zh-hans' else code})"


# --- Reading ----------------------------------------------------------------------------------


class _Sheet:
    """A sheet's header row and its other rows that are not empty, each with its number."""

    def __init__(self, name: str, header: list[str], rows: list[tuple[int, list]]) -> None:
        self.name = name
        self.header = header
        self.rows = rows


class _TooManyRows(Exception):
    pass


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_sheet(worksheet, name: str, limit: int) -> _Sheet:
    worksheet.reset_dimensions()  # a file's own dimensions may lie: read what is there
    header: list[str] | None = None
    rows: list[tuple[int, list]] = []
    for number, values in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
        if number > MAX_SCANNED_ROWS:
            raise _TooManyRows(name)
        cells = [_cell_text(value) for value in values]
        if header is None:
            header = cells
            continue
        if any(cells):
            rows.append((number, cells))
            if len(rows) > limit:
                raise _TooManyRows(name)
    return _Sheet(name, header or [], rows)


def _open_workbook(fileobj, problems: list[XLSFormProblem]):
    data = fileobj.read(MAX_FILE_BYTES + 1)
    if isinstance(data, str) or not data:
        problems.append(XLSFormProblem("", None, "", "not_xlsx"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(XLSFormProblem("", None, "", "file_too_big", detail=str(MAX_FILE_BYTES // (1024 * 1024))))
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
    except Exception:  # not a zip, or a damaged one (zipfile raises many kinds)
        problems.append(XLSFormProblem("", None, "", "not_xlsx"))
        return None
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNCOMPRESSED_BYTES:
        problems.append(XLSFormProblem("", None, "", "unpacks_too_big"))
        return None
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean "not a workbook"
        problems.append(XLSFormProblem("", None, "", "not_xlsx"))
        return None


def _load_sheets(fileobj, problems: list[XLSFormProblem]) -> dict[str, _Sheet] | None:
    workbook = _open_workbook(fileobj, problems)
    if workbook is None:
        return None
    limits = {SURVEY: MAX_SURVEY_ROWS, CHOICES: MAX_CHOICE_ROWS, SETTINGS: 100}
    sheets: dict[str, _Sheet] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for title in workbook.sheetnames:
                key = title.strip().lower()
                if key in limits and key not in sheets:
                    sheets[key] = _read_sheet(workbook[title], key, limits[key])
    except _TooManyRows as too_many:
        sheet = str(too_many)
        problems.append(XLSFormProblem(sheet, None, "", "too_many_rows", detail=str(limits[sheet])))
        return None
    except Exception:  # a sheet that cannot be parsed: the file is damaged
        problems.append(XLSFormProblem("", None, "", "not_xlsx"))
        return None
    finally:
        workbook.close()
    if SURVEY not in sheets:
        problems.append(XLSFormProblem("", None, "", "no_survey_sheet"))
        return None
    return sheets


@dataclass
class _Column:
    index: int
    header: str
    base: str
    language: str | None  # None: the default language's plain column


def _columns(sheet: _Sheet, problems: list[XLSFormProblem], translated: set[str]) -> list[_Column]:
    """The sheet's columns, translated ones (label::Español (es)) resolved to a language code."""
    columns = []
    for index, header in enumerate(sheet.header):
        if not header:
            continue
        base, separator, rest = header.partition("::")
        base = re.sub(r"\s+", "_", base.strip().lower())
        if base.startswith("jr:"):
            continue
        language = None
        if separator and base not in translated:
            language = "*"  # constraint_message::English (en) and the like: never read
        elif separator:
            language = language_code(rest)
            if language is None:
                problems.append(XLSFormProblem(sheet.name, 1, header[:60], "language", WARNING))
                continue
        columns.append(_Column(index, header[:60], base, language))
    return columns


class _Row:
    def __init__(self, sheet: _Sheet, number: int, cells: list, columns: list[_Column], default_language: str):
        self.sheet, self.number, self.cells = sheet, number, cells
        self.columns, self.default_language = columns, default_language

    def get(self, base: str) -> str:
        for column in self.columns:
            if column.base == base and column.language is None and column.index < len(self.cells):
                return self.cells[column.index]
        return ""

    def texts(self, base: str) -> dict[str, str]:
        """{language: text} from the plain column (the default language) and translated ones; a
        translated column wins over the plain one for the same language."""
        found: dict[str, str] = {}
        for column in sorted(self.columns, key=lambda c: c.language is not None):
            if column.base != base or column.index >= len(self.cells):
                continue
            value = self.cells[column.index]
            if value:
                found[column.language or self.default_language] = value
        return found

    def problem(self, column: str, code: str, level: str = ERROR, detail: str = "") -> XLSFormProblem:
        return XLSFormProblem(self.sheet.name, self.number, column, code, level, detail[:60])


def _too_long(row: _Row, base: str, texts: dict[str, str], limit: int, problems: list) -> bool:
    if any(len(text) > limit for text in texts.values()):
        problems.append(row.problem(base, "too_long", detail=str(limit)))
        return True
    return False


def _read_settings(sheets, problems) -> tuple[dict, str]:
    """The survey's own words and the default language from the settings sheet."""
    sheet = sheets.get(SETTINGS)
    found = {"title": {}, "description": {}, "document": {}, "keyword": "", "form_id": ""}
    if sheet is None or not sheet.rows:
        return found, "en"
    columns = _columns(sheet, problems, {"form_title", "title", "description", "document"})
    number, cells = sheet.rows[0]
    plain = _Row(sheet, number, cells, columns, "en")
    default_language = language_code(plain.get("default_language")) or "en"
    row = _Row(sheet, number, cells, columns, default_language)
    title = row.texts("form_title") or row.texts("title")
    _too_long(row, "form_title", title, MAX_TITLE_CHARS, problems)
    description, document = row.texts("description"), row.texts("document")
    _too_long(row, "description", description, 20000, problems)
    _too_long(row, "document", document, 100000, problems)
    keyword = row.get("keyword")
    if keyword and not KEYWORD.match(keyword):
        problems.append(row.problem("keyword", "keyword_invalid"))
    form_id = row.get("form_id")
    found.update(title=title, description=description, document=document, keyword=keyword.upper(), form_id=form_id)
    return found, default_language


def _read_choices(sheets, problems, default_language) -> dict[str, list[tuple[str, dict[str, str]]]]:
    sheet = sheets.get(CHOICES)
    lists: dict[str, list[tuple[str, dict[str, str]]]] = {}
    if sheet is None:
        return lists
    columns = _columns(sheet, problems, {"label"})
    bases = {column.base for column in columns}
    if sheet.rows and "list_name" not in bases:
        problems.append(XLSFormProblem(CHOICES, 1, "", "no_list_name_column"))
        return lists
    if sheet.rows and "name" not in bases:
        problems.append(XLSFormProblem(CHOICES, 1, "", "no_name_column"))
        return lists
    for number, cells in sheet.rows:
        row = _Row(sheet, number, cells, columns, default_language)
        list_name, value, labels = row.get("list_name"), row.get("name"), row.texts("label")
        if not list_name:
            problems.append(row.problem("list_name", "choice_list_missing"))
            continue
        if not value:
            problems.append(row.problem("name", "choice_name_missing"))
            continue
        if not CHOICE_NAME.match(value):
            problems.append(row.problem("name", "choice_name_invalid"))
            continue
        if value in {existing for existing, _labels in lists.get(list_name, [])}:
            problems.append(row.problem("name", "choice_duplicate", detail=value))
            continue
        if not labels:
            problems.append(row.problem("label", "choice_label_missing"))
        _too_long(row, "label", labels, MAX_CHOICE_LABEL_CHARS, problems)
        lists.setdefault(list_name, []).append((value, labels))
    return lists


def _required(text: str) -> bool | None:
    text = text.strip().lower().lstrip("=").replace(" ", "")
    if text in ("", "no", "false", "false()", "0", "n"):
        return False
    if text in ("yes", "true", "true()", "1", "y"):
        return True
    return None


def _parameters(text: str) -> dict[str, str] | None:
    found = {}
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        key, equals, value = part.partition("=")
        if not equals:
            return None
        found[key.strip().lower()] = value.strip()
    return found


def _bounds(text: str) -> tuple[Decimal | None, Decimal | None] | None:
    """`. >= 16 and . <= 110` → (16, 110); None when it says anything else."""
    low = high = None
    for clause in re.split(r"\s+and\s+", text.strip()):
        found = BOUND.match(clause)
        if found is None:
            return None
        value = Decimal(found.group(2))
        if found.group(1) == ">=":
            if low is not None:
                return None
            low = value
        else:
            if high is not None:
                return None
            high = value
    return low, high


def _bound_fits(value: Decimal | None) -> bool:
    if value is None:
        return True
    exponent = value.normalize().as_tuple().exponent
    return abs(value) < Decimal(10) ** 10 and isinstance(exponent, int) and exponent >= -2


def _show_if(row: _Row, text: str, earlier: dict[str, dict], problems: list) -> dict | None:
    found = RELEVANT_EQUALS.match(text) or RELEVANT_SELECTED.match(text)
    column = "relevant"
    if found is None:
        problems.append(row.problem(column, "relevant"))
        return None
    name = found.group(1)
    value = next(group for group in found.groups()[1:] if group is not None)
    question = earlier.get(name)
    if question is None:
        problems.append(row.problem(column, "relevant_later", detail=name))
        return None
    if question["kind"] not in CHOICE_KINDS:
        problems.append(row.problem(column, "relevant_kind", detail=name))
        return None
    if value not in _values(question):
        problems.append(row.problem(column, "relevant_value", detail=value))
        return None
    return {"question": name, "value": value}


def _values(question: dict) -> list[str]:
    if question["kind"] == Question.Kind.YES_NO:
        return ["yes", "no"]
    if question["kind"] == Question.Kind.SCALE:
        return SCALE_VALUES
    return [value for value, _labels in question["choices"]]


class _Sections:
    """Each top-level group is a section (a page); questions between groups get their own."""

    def __init__(self) -> None:
        self.blocks = 0
        self.current: int | None = None
        self.titles: dict[int, dict[str, str]] = {}
        self.used: list[int] = []
        self.group_row: _Row | None = None

    def begin_group(self, row: _Row, title: dict[str, str]) -> None:
        self.blocks += 1
        self.current = self.blocks
        self.titles[self.current] = title
        self.group_row = row

    def end_group(self) -> int | None:
        """Close the group; the block it was, if no question was in it."""
        empty = self.current if self.current not in self.used else None
        self.current, self.group_row = None, None
        return empty

    def place(self) -> int:
        if self.current is None:
            self.blocks += 1
            self.current = self.blocks
        if self.current not in self.used:
            self.used.append(self.current)
        return self.current

    def numbers(self) -> dict[int, int]:
        return {block: number for number, block in enumerate(self.used, 1)}


def _read_questions(sheets, problems, lists, default_language) -> tuple[list[dict], dict[str, dict]]:
    sheet = sheets[SURVEY]
    columns = _columns(sheet, problems, {"label", "hint"})
    bases = {column.base for column in columns}
    if "type" not in bases:
        problems.append(XLSFormProblem(SURVEY, 1, "", "no_type_column"))
        return [], {}
    if "name" not in bases:
        problems.append(XLSFormProblem(SURVEY, 1, "", "no_name_column"))
        return [], {}
    questions: list[dict] = []
    earlier: dict[str, dict] = {}
    names: set[str] = set()
    sections = _Sections()
    ignored_columns: set[str] = set()
    depth = 0  # groups open: 1 is a page, more is a group inside a group
    repeats = 0
    for number, cells in sheet.rows:
        row = _Row(sheet, number, cells, columns, default_language)
        kind_text = re.sub(r"\s+", " ", row.get("type").lower()).strip()
        if not kind_text:
            problems.append(row.problem("type", "type_missing"))
            continue
        if kind_text in METADATA_TYPES:
            problems.append(row.problem("type", "metadata", WARNING, detail=kind_text))
            continue
        if kind_text in END_GROUP:
            if depth == 0:
                problems.append(row.problem("type", "group_end"))
            elif depth == 1 and sections.end_group() is not None:
                problems.append(row.problem("type", "group_empty", WARNING))
            depth = max(depth - 1, 0)
            continue
        if kind_text in ("begin repeat", "begin_repeat"):
            repeats += 1
        if kind_text in ("end repeat", "end_repeat") and repeats:
            repeats -= 1
            continue  # its begin repeat was refused already
        _check_columns(row, columns, ignored_columns, problems)
        name, name_ok = row.get("name"), False
        if not name:
            problems.append(row.problem("name", "name_missing"))
        elif not NAME.match(name):
            problems.append(row.problem("name", "name_invalid"))
        elif name in names:
            problems.append(row.problem("name", "name_duplicate", detail=name))
        else:
            names.add(name)
            name_ok = True
        label, hint = row.texts("label"), row.texts("hint")
        if kind_text in BEGIN_GROUP:
            depth += 1
            if depth > 1:
                problems.append(row.problem("type", "nested_group"))
                continue
            if row.get("relevant"):
                problems.append(row.problem("relevant", "group_relevant"))
            _too_long(row, "label", label, MAX_TITLE_CHARS, problems)
            sections.begin_group(row, label)
            continue
        question = _read_question(row, kind_text, lists, problems)
        if question is None or not name_ok:
            continue
        question.update(name=name, label=label, hint=hint, section=sections.place())
        if not label:
            problems.append(row.problem("label", "label_missing"))
        _too_long(row, "label", label, MAX_CELL_CHARS, problems)
        _too_long(row, "hint", hint, MAX_CELL_CHARS, problems)
        required = _required(row.get("required"))
        if required is None:
            problems.append(row.problem("required", "required"))
        question["required"] = bool(required) and question["kind"] != Question.Kind.NOTE
        relevant = row.get("relevant")
        question["show_if"] = _show_if(row, relevant, earlier, problems) if relevant else None
        questions.append(question)
        earlier[name] = question
    if depth and sections.group_row is not None:
        problems.append(sections.group_row.problem("type", "group_open"))
    numbers = sections.numbers()
    for question in questions:
        question["section"] = numbers[question["section"]]
    titles = {str(numbers[block]): title for block, title in sections.titles.items() if block in numbers and title}
    return questions, titles


def _check_columns(row: _Row, columns: list[_Column], ignored: set[str], problems: list) -> None:
    """Columns Voces does not read: refused when they change what is asked, else a warning once."""
    for column in columns:
        value = row.cells[column.index] if column.index < len(row.cells) else ""
        if not value or (column.base in SURVEY_COLUMNS and column.language != "*"):
            continue
        if column.base in REFUSED_COLUMNS:
            problems.append(row.problem(column.header, "column_refused", detail=column.base))
        elif column.header not in ignored:
            ignored.add(column.header)
            problems.append(row.problem(column.header, "column_ignored", WARNING))


def _read_question(row: _Row, kind_text: str, lists, problems) -> dict | None:
    """The kind, choices and bounds of one question row; None (and a problem) if unsupported."""
    question: dict = {"choices": [], "min_value": None, "max_value": None}
    tokens = kind_text.split(" ")
    select = next((prefix for prefix in (*SELECT_ONE, *SELECT_MULTIPLE) if kind_text.startswith(prefix)), None)
    if select is not None and (kind_text == select or kind_text[len(select)] == " "):
        rest = kind_text[len(select) :].split()
        list_name = row.get("type").split()[len(select.split()) :]  # list names keep their case
        if "or_other" in rest:
            problems.append(row.problem("type", "or_other"))
            return None
        if not list_name:
            problems.append(row.problem("type", "list_missing", detail=select))
            return None
        if len(list_name) > 1:
            problems.append(row.problem("type", "type_unsupported", detail=kind_text))
            return None
        choices = lists.get(list_name[0])
        if not choices:
            problems.append(row.problem("type", "list_unknown", detail=list_name[0]))
            return None
        if select in SELECT_MULTIPLE:
            question["kind"] = Question.Kind.MULTIPLE
        elif sorted(value for value, _labels in choices) == ["no", "yes"]:
            question["kind"] = Question.Kind.YES_NO
        else:
            question["kind"] = Question.Kind.SINGLE
        if question["kind"] != Question.Kind.YES_NO:
            question["choices"] = list(choices)
    elif kind_text in SIMPLE_TYPES:
        question["kind"] = SIMPLE_TYPES[kind_text]
        appearance = row.get("appearance").lower().split()
        if question["kind"] == Question.Kind.SHORT_TEXT and "multiline" in appearance:
            question["kind"] = Question.Kind.LONG_TEXT
    elif kind_text == "range":
        parameters = _parameters(row.get("parameters")) or {}
        try:
            numbers = [
                Decimal(parameters.get(key, default)) for key, default in (("start", "1"), ("end", "10"), ("step", "1"))
            ]
        except InvalidOperation:
            numbers = []
        if not all(n.is_finite() for n in numbers) or numbers != [1, 5, 1]:
            problems.append(row.problem("parameters", "range"))
            return None
        question["kind"] = Question.Kind.SCALE
    else:
        detail = kind_text if tokens[0] in ("begin", "end") else tokens[0]
        problems.append(row.problem("type", "type_unsupported", detail=detail))
        return None
    constraint = row.get("constraint")
    if constraint:
        bounds = _bounds(constraint) if question["kind"] == Question.Kind.NUMBER else None
        if bounds is None:
            problems.append(row.problem("constraint", "constraint"))
        elif not all(_bound_fits(value) for value in bounds) or (
            None not in bounds and bounds[0] > bounds[1]  # type: ignore[operator]
        ):
            problems.append(row.problem("constraint", "bounds"))
        else:
            question["min_value"], question["max_value"] = bounds
    return question


def read_xlsform(fileobj) -> tuple[dict | None, list[XLSFormProblem]]:
    """The definition an XLSForm describes (what `services.survey_define` takes, plus "slug"
    from form_id), or None when there is any error; and every problem found, errors and
    warnings, in the order of the file."""
    problems: list[XLSFormProblem] = []
    sheets = _load_sheets(fileobj, problems)
    if sheets is None:
        return None, problems
    survey_settings, default_language = _read_settings(sheets, problems)
    lists = _read_choices(sheets, problems, default_language)
    questions, titles = _read_questions(sheets, problems, lists, default_language)
    if not any(question["kind"] != Question.Kind.NOTE for question in questions) and not any(
        p.is_error and p.sheet == SURVEY for p in problems
    ):
        problems.append(XLSFormProblem(SURVEY, None, "", "empty"))
    title = survey_settings["title"]
    if not title and survey_settings["form_id"]:
        title = {default_language: survey_settings["form_id"]}
    if not title:
        problems.append(XLSFormProblem(SETTINGS, None, "form_title", "no_title"))
    if any(problem.is_error for problem in problems):
        return None, problems
    for question in questions:
        question["choices"] = [(value, labels) for value, labels in question["choices"]]
    definition = {
        "slug": slugify(survey_settings["form_id"])[:80],
        "title": title,
        "description": survey_settings["description"],
        "document": survey_settings["document"],
        "keyword": survey_settings["keyword"],
        "sections": titles,
        "questions": [
            {
                key: question[key]
                for key in ("name", "kind", "required", "label", "hint", "section", "min_value", "max_value",
                            "show_if", "choices")
            }
            for question in questions
        ],
    }  # fmt: skip
    return definition, problems


# --- Writing ----------------------------------------------------------------------------------


def _texts(value) -> dict[str, str]:
    """A translated field's {language: text}, without empty ones."""
    data = getattr(value, "data", value)
    if isinstance(data, dict):
        return {str(code): str(text) for code, text in data.items() if text}
    if data in (None, ""):
        return {}
    return {settings.LANGUAGE_CODE: str(data)}


def _number(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).normalize() + 0  # 14.00 → 14, and never 1E+2


def version_definition(version: SurveyVersion) -> dict:
    """A version (and its survey's words) as the definition `read_xlsform` gives."""
    survey = version.survey
    questions = []
    for question in version.questions.prefetch_related("choices").order_by("position"):
        choices = []
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            choices = [(choice.value, _texts(choice.label)) for choice in question.choices.all()]
        questions.append(
            {
                "name": question.name,
                "kind": question.kind,
                "required": question.required,
                "label": _texts(question.label),
                "hint": _texts(question.hint),
                "section": question.section,
                "min_value": _number(question.min_value),
                "max_value": _number(question.max_value),
                "show_if": question.show_if or None,
                "choices": choices,
            }
        )
    return {
        "slug": survey.slug,
        "title": _texts(survey.title),
        "description": _texts(survey.description),
        "document": _texts(survey.document),
        "keyword": survey.keyword,
        "sections": {str(number): _texts(title) for number, title in (version.sections or {}).items() if _texts(title)},
        "questions": questions,
    }


def _languages(definition: dict) -> list[str]:
    used: set[str] = set()
    for key in ("title", "description", "document"):
        used.update(definition[key])
    for titles in definition["sections"].values():
        used.update(titles)
    for question in definition["questions"]:
        used.update(question["label"], question["hint"])
        for _value, labels in question["choices"]:
            used.update(labels)
    known = [code for code, _name in settings.LANGUAGES if code in used]
    return known or [settings.LANGUAGE_CODE]


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _append(sheet, values: list) -> None:
    """A row of text cells: characters a workbook cannot hold are dropped, and a text that starts
    with = stays text rather than becoming a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _format_number(value: Decimal) -> str:
    return format(value, "f")


def write_xlsform(version: SurveyVersion) -> bytes:
    """The version as an XLSForm: survey, choices and settings sheets, a label and hint column for
    every language it has, a group for each section, yes/no as a yes_no list, a scale as a range."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    definition = version_definition(version)
    languages = _languages(definition)
    headers = [language_header(code) for code in languages]
    question_names = {question["name"] for question in definition["questions"]}
    taken = set(question_names)
    yes_no_list = _unique("yes_no", {q["name"] for q in definition["questions"] if q["choices"]})
    group_names: dict[int, str] = {}

    workbook = Workbook()
    survey_sheet = workbook.active
    survey_sheet.title = SURVEY
    labels_and_hints = [*[f"label::{h}" for h in headers], *[f"hint::{h}" for h in headers]]
    _append(
        survey_sheet,
        ["type", "name", *labels_and_hints, "required", "relevant", "constraint", "appearance", "parameters"],
    )
    choices_sheet = workbook.create_sheet(CHOICES)
    _append(choices_sheet, ["list_name", "name", *[f"label::{h}" for h in headers]])
    settings_sheet = workbook.create_sheet(SETTINGS)

    kinds = {question["name"]: question["kind"] for question in definition["questions"]}
    sections_used = sorted({question["section"] for question in definition["questions"]})
    use_groups = len(sections_used) > 1 or bool(definition["sections"])
    blank = [""] * len(languages)
    current_section: int | None = None
    yes_no_written = False
    for question in definition["questions"]:
        if use_groups and question["section"] != current_section:
            if current_section is not None:
                _append(survey_sheet, ["end group", group_names[current_section]])
            current_section = question["section"]
            title = definition["sections"].get(str(current_section), {})
            group_names.setdefault(current_section, _unique(f"section_{current_section}", taken))
            _append(
                survey_sheet,
                ["begin group", group_names[current_section], *[title.get(code, "") for code in languages], *blank],
            )
        kind = question["kind"]
        appearance, parameters, constraint = "", "", ""
        if kind == Question.Kind.SINGLE:
            xls_type = f"select_one {question['name']}"
        elif kind == Question.Kind.MULTIPLE:
            xls_type = f"select_multiple {question['name']}"
        elif kind == Question.Kind.YES_NO:
            xls_type = f"select_one {yes_no_list}"
        elif kind == Question.Kind.SCALE:
            xls_type, parameters = "range", SCALE_PARAMETERS
        elif kind == Question.Kind.NUMBER:
            xls_type = "decimal"
            clauses = []
            if question["min_value"] is not None:
                clauses.append(f". >= {_format_number(question['min_value'])}")
            if question["max_value"] is not None:
                clauses.append(f". <= {_format_number(question['max_value'])}")
            constraint = " and ".join(clauses)
        elif kind == Question.Kind.LONG_TEXT:
            xls_type, appearance = "text", "multiline"
        elif kind == Question.Kind.SHORT_TEXT:
            xls_type = "text"
        else:
            xls_type = kind  # date, note
        relevant = ""
        rule = question["show_if"]
        if rule:
            if kinds.get(rule.get("question")) == Question.Kind.MULTIPLE:
                relevant = f"selected(${{{rule['question']}}}, '{rule['value']}')"
            else:
                relevant = f"${{{rule.get('question')}}} = '{rule.get('value')}'"
        texts = [*[question["label"].get(code, "") for code in languages]]
        texts += [question["hint"].get(code, "") for code in languages]
        required = "yes" if question["required"] else ""
        _append(
            survey_sheet,
            [xls_type, question["name"], *texts, required, relevant, constraint, appearance, parameters],
        )
        for value, labels in question["choices"]:
            _append(choices_sheet, [question["name"], value, *[labels.get(code, "") for code in languages]])
        if kind == Question.Kind.YES_NO and not yes_no_written:
            yes_no_written = True
            for value, word in YES_NO_WORDS:
                words = []
                for code in languages:
                    with translation.override(code):
                        words.append(str(word))
                _append(choices_sheet, [yes_no_list, value, *words])
    if use_groups and current_section is not None:
        _append(survey_sheet, ["end group", group_names[current_section]])

    default = languages[0] if settings.LANGUAGE_CODE not in languages else settings.LANGUAGE_CODE
    columns: list[tuple[str, str]] = [
        ("form_title", definition["title"].get(default, "")),
        *[(f"form_title::{language_header(code)}", definition["title"].get(code, "")) for code in languages],
        ("form_id", definition["slug"]),
        ("version", str(version.number)),
        ("default_language", language_header(default)),
        ("keyword", definition["keyword"]),
        *[(f"description::{language_header(code)}", definition["description"].get(code, "")) for code in languages],
        *[(f"document::{language_header(code)}", definition["document"].get(code, "")) for code in languages],
    ]
    _append(settings_sheet, [header for header, _value in columns])
    _append(settings_sheet, [value for _header, value in columns])

    bold = Font(bold=True)
    for sheet in (survey_sheet, choices_sheet, settings_sheet):
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
