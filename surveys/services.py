"""Writes for surveys: versions that freeze once published, and responses checked against the
version they answer (choices that exist, bounds, required questions, show-if rules)."""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.tasks import enqueue_on_commit
from privacy.crypto import blind_index
from privacy.files import encrypted_file_delete, encrypted_file_read, encrypted_file_store
from surveys import batch_files
from surveys.models import (
    Answer,
    Batch,
    BatchRow,
    Choice,
    Invitation,
    Question,
    Response,
    ResponseDraft,
    Survey,
    SurveyVersion,
)


def survey_draft_version(*, survey: Survey) -> SurveyVersion:
    """The version being edited: the unpublished one, or a new copy of the last published one
    (so that a change after publishing never alters what earlier responses answered)."""
    with transaction.atomic():
        latest = SurveyVersion.objects.select_for_update().filter(survey=survey).order_by("-number").first()
        if latest is not None and not latest.is_published:
            return latest
        draft = SurveyVersion.objects.create(
            survey=survey, number=(latest.number + 1) if latest else 1, sections=latest.sections if latest else {}
        )
        if latest is not None:
            _copy_questions(latest, draft)
        return draft


def _copy_questions(source: SurveyVersion, target: SurveyVersion) -> None:
    for question in source.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        question.pk, question.version = None, target
        question.save()
        Choice.objects.bulk_create(
            [Choice(question=question, position=c.position, value=c.value, label=c.label) for c in choices]
        )


def survey_define(*, slug: str, definition: dict, created_by=None) -> Survey:
    """A new survey from a definition (the seeded survey, an XLSForm): its title, description,
    document and keyword, and a draft version holding its questions. A definition is
    {"title": {lang: text}, "description": {...}, "document": {...}, "keyword": "",
     "sections": {"1": {lang: title}},
     "questions": [{"name", "kind", "required", "label": {...}, "hint": {...}, "section",
                    "min_value", "max_value", "show_if", "choices": [(value, {lang: label})]}]}."""
    with transaction.atomic():
        survey = Survey(
            slug=slug,
            title=definition["title"],
            description=definition.get("description") or {},
            document=definition.get("document") or {},
            keyword=(definition.get("keyword") or "").upper(),
            created_by=created_by,
        )
        survey.full_clean()
        survey.save()
        draft = survey_draft_version(survey=survey)
        draft.sections = {str(number): titles for number, titles in (definition.get("sections") or {}).items()}
        draft.save(update_fields=["sections"])
        for question in definition["questions"]:
            fields = {k: v for k, v in question.items() if k != "choices"}
            question_add(version=draft, choices=[tuple(c) for c in question.get("choices") or ()], **fields)
    return survey


def survey_version_publish(*, version: SurveyVersion) -> SurveyVersion:
    """Freeze a draft version: from now on responses may answer it, and it never changes. Its
    rules must hold: something to answer, choices for the choice questions, and show-if rules
    that name an earlier choice question and one of its values."""
    if version.is_published:
        return version
    questions = list(version.questions.prefetch_related("choices").order_by("position"))
    if not any(q.kind != Question.Kind.NOTE for q in questions):
        raise ApplicationError(gettext("A survey needs at least one question before it is published."), code="empty")
    earlier: dict[str, Question] = {}
    for question in questions:
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(question.choices.all()) < 2:
            message = gettext("%(name)s: a choice question needs at least two choices.") % {"name": question.name}
            raise ApplicationError(message, code="choices")
        rule = question.show_if
        if rule:
            parent = earlier.get(str(rule.get("question")))
            # The parent must come first on the web too: its page, or the same page (asked first).
            if (
                parent is None
                or parent.section > question.section
                or parent.kind not in CHOICE_KINDS
                or str(rule.get("value")) not in _allowed(parent)
            ):
                raise ApplicationError(
                    gettext("%(name)s: its show-if rule must name an earlier choice question and one of its answers.")
                    % {"name": question.name},
                    code="show_if",
                )
        earlier[question.name] = question
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def question_add(*, version: SurveyVersion, choices: list[tuple[str, dict]] = (), **fields) -> Question:
    """Add a question to a draft version; `choices` as (value, {language: label})."""
    if version.is_published:
        raise ApplicationError("A published version cannot change; edit a new draft.", code="published")
    position = (version.questions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    question = Question(version=version, position=position, **fields)
    question.full_clean(exclude=["version"])
    question.save()
    Choice.objects.bulk_create(
        [Choice(question=question, position=n, value=value, label=label) for n, (value, label) in enumerate(choices, 1)]
    )
    return question


@dataclass(frozen=True)
class AnswerProblem:
    question: str  # the question's name
    code: str  # required, choice, number, bounds, date, text


class ResponseInvalid(ApplicationError):
    def __init__(self, problems: list[AnswerProblem]) -> None:
        super().__init__("Some answers are not valid.", code="invalid")
        self.problems = problems


def response_submit(
    *,
    version: SurveyVersion,
    answers: dict[str, object],
    channel: str,
    language: str,
    submission_key: str,
    organization=None,
    collected_by=None,
    respondent_consented: bool = False,
    field_office: str = "",
    invitation=None,
) -> tuple[Response, bool]:
    """Check every answer against the version it answers and store the response once. Answers
    are keyed by question name; an answer to a question its show-if rule hides is dropped.
    Returns the response and whether this call stored it (a repeated key gives the first)."""
    if not version.is_published:
        raise ApplicationError("Only a published version can be answered.", code="unpublished")
    if collected_by is not None and not respondent_consented:
        raise ApplicationError("Answers entered for someone need their consent.", code="consent")
    cleaned, problems = answers_check(list(version.questions.prefetch_related("choices")), answers)
    if problems:
        raise ResponseInvalid(problems)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=version.survey,
                version=version,
                channel=channel,
                language=language,
                organization=organization,
                collected_by=collected_by,
                respondent_consent_at=timezone.now() if collected_by is not None else None,
                submission_key=submission_key,
                field_office=field_office,
                invitation=invitation,
            )
            Answer.objects.bulk_create([_answer(response, question, value) for question, value in cleaned.values()])
    except IntegrityError:
        existing = Response.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return response, True


def answers_check(questions: list[Question], answers: dict[str, object]) -> tuple[dict, list[AnswerProblem]]:
    """The rules a response must meet, without storing anything (response_submit and paper
    batches share them): {name: (question, value)} of the answers kept, and the problems.
    `questions` are the version's, in order, with their choices prefetched."""
    cleaned, problems = {}, []
    for question in questions:
        if question.kind == Question.Kind.NOTE or not _shown(question, cleaned):
            continue
        raw = answers.get(question.name)
        if raw in (None, "", []):
            if question.required:
                problems.append(AnswerProblem(question.name, "required"))
            continue
        value, code = _clean(question, raw)
        if code:
            problems.append(AnswerProblem(question.name, code))
        else:
            cleaned[question.name] = (question, value)
    return cleaned, problems


# --- Web answers between pages, interviews and invitations -------------------------------------


def response_draft_start(
    *,
    version: SurveyVersion,
    language: str,
    invitation: Invitation | None = None,
    organization=None,
    collected_by=None,
    respondent_consented: bool = False,
    field_office: str = "",
) -> tuple[ResponseDraft, str]:
    """A web response in progress, found later by the token in its URL. An interview entered by
    an organisation's member starts only with the respondent's consent."""
    if not version.is_published:
        raise ApplicationError("Only a published version can be answered.", code="unpublished")
    if collected_by is not None and not respondent_consented:
        raise ApplicationError("Answers entered for someone need their consent.", code="consent")
    token = secrets.token_urlsafe(24)
    draft = ResponseDraft.objects.create(
        token_index=blind_index(token, purpose="survey-draft"),
        version=version,
        language=language,
        invitation=invitation,
        organization=organization if collected_by is not None else getattr(invitation, "organization", None),
        collected_by=collected_by,
        field_office=field_office.strip().upper()[:8],
        expires_at=timezone.now() + timedelta(hours=settings.SURVEY_DRAFT_TTL_HOURS),
    )
    return draft, token


def response_draft_answers(draft: ResponseDraft) -> dict:
    return json.loads(draft.answers or "{}")


def response_draft_save(*, draft: ResponseDraft, answers: dict) -> ResponseDraft:
    """Keep a page's answers (raw, as typed: going back shows them again); a page left empty
    forgets what it had."""
    stored = response_draft_answers(draft)
    stored.update(answers)
    draft.answers = json.dumps({name: value for name, value in stored.items() if value not in ("", [], None)})
    ResponseDraft.objects.filter(pk=draft.pk, response__isnull=True).update(answers=draft.answers)
    return draft


def response_draft_submit(*, draft: ResponseDraft, language: str) -> Response:
    """Store the draft's answers as a response, once: a double click gives the same response."""
    response, _created = response_submit(
        version=draft.version,
        answers=response_draft_answers(draft),
        channel=Response.Channel.WEB,
        language=language,
        submission_key=f"web:{draft.pk}",
        organization=draft.organization,
        collected_by=draft.collected_by,
        respondent_consented=draft.collected_by is not None,
        field_office=draft.field_office,
        invitation=draft.invitation,
    )
    # The answers now live in the response; the draft only remembers which one it became.
    ResponseDraft.objects.filter(pk=draft.pk).update(response=response, answers="{}")
    draft.response = response
    return response


def response_drafts_purge(*, now=None) -> int:
    """Forget drafts past their time, finished or not."""
    deleted, _ = ResponseDraft.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on paper


def invitation_create(*, survey: Survey, organization, created_by) -> Invitation:
    """A code an organisation sends to the people it serves; their answers count as its own."""
    if survey.status != Survey.Status.OPEN:
        raise ApplicationError("Only an open survey can be sent out.", code="closed")
    for _attempt in range(10):
        code = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    survey=survey, organization=organization, code=code, created_by=created_by
                )
        except IntegrityError:
            continue
    raise ApplicationError("Could not make a new code. Please try again.", code="code")


def invitation_deactivate(*, invitation: Invitation) -> Invitation:
    invitation.is_active = False
    invitation.save(update_fields=["is_active"])
    return invitation


def answer_clean(question: Question, raw) -> tuple[object, str]:
    """One answer checked as response_submit checks it: (value, "") or (None, problem code)."""
    return _clean(question, raw)


def _shown(question: Question, cleaned: dict) -> bool:
    rule = question.show_if
    if not rule:
        return True
    earlier = cleaned.get(rule.get("question"))
    if earlier is None:
        return False
    value = earlier[1]
    return rule.get("value") in value if isinstance(value, list) else str(value) == str(rule.get("value"))


NUMBER_LIMIT = Decimal(10) ** 10


def _clean(question: Question, raw) -> tuple[object, str]:
    """(value, "") or (None, problem code)."""
    kind = question.kind
    if kind in (Question.Kind.SINGLE, Question.Kind.YES_NO, Question.Kind.SCALE):
        allowed = _allowed(question)
        return (str(raw), "") if str(raw) in allowed else (None, "choice")
    if kind == Question.Kind.MULTIPLE:
        picked = raw if isinstance(raw, list) else [raw]
        allowed = _allowed(question)
        if not all(str(value) in allowed for value in picked):
            return None, "choice"
        return sorted({str(value) for value in picked}), ""
    if kind == Question.Kind.NUMBER:
        try:
            number = Decimal(str(raw).strip())
            # Answer.number holds ten digits before the point and two after; the exponent is
            # looked at before any arithmetic, which 1e1000000 would overflow.
            if not number.is_finite() or number.adjusted() >= 10 or abs(number) >= NUMBER_LIMIT:
                return None, "number"
            number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except ArithmeticError:  # InvalidOperation, Overflow and the like
            return None, "number"
        if (question.min_value is not None and number < question.min_value) or (
            question.max_value is not None and number > question.max_value
        ):
            return None, "bounds"
        return number, ""
    if kind == Question.Kind.DATE:
        if isinstance(raw, date):
            return raw, ""
        try:
            return date.fromisoformat(str(raw).strip()), ""
        except ValueError:
            return None, "date"
    limit = 300 if kind == Question.Kind.SHORT_TEXT else 20000
    text = str(raw).strip()
    return (text, "") if len(text) <= limit else (None, "text")


CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.YES_NO, Question.Kind.SCALE)


def _allowed(question: Question) -> set[str]:
    if question.kind == Question.Kind.YES_NO:
        return {"yes", "no"}
    if question.kind == Question.Kind.SCALE:
        return {"1", "2", "3", "4", "5"}
    return {choice.value for choice in question.choices.all()}


def _answer(response: Response, question: Question, value) -> Answer:
    answer = Answer(response=response, question=question)
    if question.kind == Question.Kind.MULTIPLE:
        answer.choices = value
    elif question.kind == Question.Kind.NUMBER:
        answer.number = value
    elif question.kind == Question.Kind.DATE:
        answer.date = value
    elif question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        answer.text = value
    else:
        answer.choice = value
    return answer


# --- XLSForm import (surveys/xlsform.py reads the file; these write what it describes) ----------


class XLSFormInvalid(ApplicationError):
    """An XLSForm that cannot be imported; `problems` holds every problem found, warnings too."""

    def __init__(self, problems: list) -> None:
        from django.utils.translation import gettext

        super().__init__(
            gettext("This XLSForm cannot be imported. Fix the problems below and upload it again."), code="xlsform"
        )
        self.problems = list(problems)

    @property
    def errors(self) -> list:
        return [problem for problem in self.problems if problem.is_error]


def _xlsform_definition(data: bytes) -> tuple[dict, list]:
    import io

    from surveys.xlsform import read_xlsform

    definition, problems = read_xlsform(io.BytesIO(data))
    if definition is None:
        raise XLSFormInvalid(problems)
    return definition, problems


def _xlsform_refused(problems: list, error: Exception) -> "XLSFormInvalid":
    from django.core.exceptions import ValidationError

    from surveys.xlsform import XLSFormProblem

    detail = "; ".join(error.messages) if isinstance(error, ValidationError) else ""
    return XLSFormInvalid([*problems, XLSFormProblem("", None, "", "invalid", detail=detail[:200])])


def survey_import_xlsform(*, data: bytes, created_by, slug: str = "") -> tuple[Survey, list]:
    """A new draft survey from an XLSForm (not published: staff check it first). Its slug is the
    one given, or the file's form_id. Writes nothing and raises XLSFormInvalid when the file has
    any error; returns the survey and the warnings (what was left out)."""
    from django.core.exceptions import ValidationError
    from django.utils.text import slugify

    from surveys.conversation import keyword_problem
    from surveys.xlsform import SETTINGS, WARNING, XLSFormProblem

    definition, problems = _xlsform_definition(data)
    slug = slugify(slug or definition["slug"])[:80]
    if not slug:
        problems.append(XLSFormProblem(SETTINGS, None, "form_id", "slug_missing"))
    elif Survey.objects.filter(slug=slug).exists():
        problems.append(XLSFormProblem(SETTINGS, None, "form_id", "slug_taken", detail=slug))
    keyword = definition["keyword"]
    if keyword and keyword_problem(keyword):  # a word people send for something else (STOP, YES, HELP)
        problems.append(XLSFormProblem(SETTINGS, None, "keyword", "keyword_reserved", WARNING, detail=keyword))
        definition = {**definition, "keyword": ""}
    elif keyword and Survey.objects.filter(keyword=keyword).exists():
        problems.append(XLSFormProblem(SETTINGS, None, "keyword", "keyword_taken", WARNING, detail=keyword))
        definition = {**definition, "keyword": ""}
    if any(problem.is_error for problem in problems):
        raise XLSFormInvalid(problems)
    try:
        survey = survey_define(slug=slug, definition=definition, created_by=created_by)
    except (ValidationError, IntegrityError) as error:  # a race on the slug, or a value the reader let by
        raise _xlsform_refused(problems, error) from error
    return survey, [problem for problem in problems if not problem.is_error]


def survey_version_import_xlsform(*, survey: Survey, data: bytes) -> tuple[SurveyVersion, list]:
    """Replace the questions and sections of the survey's draft version (made from the last
    published one if there is none) with an XLSForm's; published versions never change. The
    survey's title and other words stay as they are. Raises XLSFormInvalid, writing nothing."""
    from django.core.exceptions import ValidationError

    from surveys.xlsform import SETTINGS, WARNING, XLSFormProblem

    definition, problems = _xlsform_definition(data)
    if definition["slug"] and definition["slug"] != survey.slug:
        problems.append(XLSFormProblem(SETTINGS, None, "form_id", "form_id_other", WARNING, detail=definition["slug"]))
    try:
        with transaction.atomic():
            draft = survey_draft_version(survey=survey)
            draft.questions.all().delete()
            draft.sections = {str(number): titles for number, titles in definition["sections"].items()}
            draft.save(update_fields=["sections"])
            for question in definition["questions"]:
                fields = {key: value for key, value in question.items() if key != "choices"}
                question_add(version=draft, choices=[tuple(choice) for choice in question["choices"]], **fields)
    except (ValidationError, IntegrityError) as error:
        raise _xlsform_refused(problems, error) from error
    return draft, [problem for problem in problems if not problem.is_error]


# --- Paper batches: CSV and XLSX files of paper answers ------------------------------------------
# A file is stored encrypted and checked row by row by a worker (batch_check); the person then
# imports it whole, or only its valid rows (batch_import), in one transaction. A row's submission
# key comes from the paper form's own number, or from its content and how many identical rows come
# before it in the same file: the same rows uploaded again (the same file, or a corrected one after
# importing only the valid rows) never make a second response, while two identical paper forms in
# one file are both kept. Rows are streamed from the file and identical rows are numbered by the
# database (BatchRow, a window function), so memory does not grow with the number of rows; the
# file's own bytes are held once, as Fernet decrypts a file whole (the upload limit bounds them).

BATCH_CHUNK_ROWS = 2000  # rows per bulk insert
BATCH_MAX_PROBLEMS = 10_000  # problems kept for the report; the counts stay exact beyond it
BATCH_FOLDER = "survey-batches"


def batch_upload(
    *, survey: Survey, organization, uploaded_by, file_name: str, data: bytes, respondents_consented: bool
) -> Batch:
    """Keep an uploaded file (encrypted) and have a worker check it. Refuses a file that is not a
    CSV or XLSX (by its content), empty or too large, a survey not open, a missing confirmation of
    consent, and the same file again for the same survey and organisation (saying when)."""
    if not respondents_consented:
        raise ApplicationError(
            gettext("Please confirm that every person on these forms agreed to have their answers entered."),
            code="consent",
        )
    if not data:
        raise ApplicationError(gettext("The file is empty."), code="empty")
    if len(data) > settings.SURVEY_BATCH_MAX_BYTES:
        raise ApplicationError(
            gettext("The file is too large. It can be %(size)s MB at most: split it into smaller files.")
            % {"size": settings.SURVEY_BATCH_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if batch_files.sniff_kind(data) is None:
        raise ApplicationError(
            gettext(
                "This is not a CSV or Excel (.xlsx) file. In your spreadsheet, choose “Save as” and pick CSV or "
                "Excel Workbook (.xlsx)."
            ),
            code="file_type",
        )
    version = survey.current_version
    now = timezone.now()
    is_open = (
        survey.status == Survey.Status.OPEN
        and (survey.opens_at is None or survey.opens_at <= now)
        and (survey.closes_at is None or survey.closes_at > now)
    )
    if version is None or not is_open:
        raise ApplicationError(gettext("This survey is not open, so no answers can be added to it."), code="closed")
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = (
        Batch.objects.filter(survey=survey, organization=organization, sha256=sha256)
        .exclude(status__in=[Batch.Status.DISCARDED, Batch.Status.FAILED])
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        if earlier.status == Batch.Status.IMPORTED:
            message = gettext("This file was already imported on %(date)s. Nothing was added again.")
            when = earlier.imported_at or earlier.created_at
        else:
            message = gettext("This file was already uploaded on %(date)s. Open it in the list below.")
            when = earlier.created_at
        raise ApplicationError(
            message % {"date": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")},
            code="already_imported" if earlier.status == Batch.Status.IMPORTED else "already_uploaded",
            extra={"batch_id": str(earlier.pk)},
        )
    name = encrypted_file_store(data, folder=BATCH_FOLDER)
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                survey=survey,
                version=version,
                organization=organization,
                uploaded_by=uploaded_by,
                file_name=file_name.replace("\\", "/").rsplit("/", 1)[-1][:255] or "-",
                file=name,
                sha256=sha256,
                status=Batch.Status.CHECKING,
            )
            from surveys.tasks import batch_check_task

            enqueue_on_commit(batch_check_task, str(batch.pk))
    except BaseException:
        encrypted_file_delete(name)
        raise
    return batch


class _BatchRowResult:
    __slots__ = ("cleaned", "language", "field_office", "form_id", "problems")

    def __init__(self, cleaned: dict, language: str, field_office: str, form_id: str, problems: list) -> None:
        self.cleaned, self.language, self.field_office = cleaned, language, field_office
        self.form_id, self.problems = form_id, problems


class _BatchRowChecker:
    """Checks one row with exactly response_submit's rules (answers_check), after reading each
    cell the ways people write it, plus the optional columns language, field_office and form_id."""

    def __init__(self, batch: Batch, questions: list[Question], header: batch_files.Header) -> None:
        self.questions = questions
        self.header = header
        self.readers = [
            (question.name, header.columns[question.name], batch_files.CellReader(question))
            for question in questions
            if question.name in header.columns
        ]
        self.optional = {name: header.columns.get(name) for name in batch_files.OPTIONAL_COLUMNS}
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.offices = _field_office_codes()
        self.scope = f"{batch.survey_id}|{batch.organization_id or '-'}"
        # A row without a form number is known by its content only within the same file's
        # lineage (the file and its corrected copies, by name): another file may hold the same
        # answers from other people.
        self.lineage = batch_files.file_lineage(batch.file_name)

    def check(self, cells: list) -> _BatchRowResult:
        width = len(cells)
        answers = {name: reader.read(cells[index] if index < width else None) for name, index, reader in self.readers}
        cleaned, found = answers_check(self.questions, answers)
        missing = self.header.missing
        problems = [(p.question, p.code) for p in found if not (p.code == "required" and p.question in missing)]
        language, office, form_id = (self._cell(cells, name) for name in batch_files.OPTIONAL_COLUMNS)
        language = language.lower().replace("_", "-")
        if language and language not in self.languages:
            problems.append(("language", "language"))
        office = office.upper()
        if office and not (batch_files.OFFICE_CODE.match(office) and (not self.offices or office in self.offices)):
            problems.append(("field_office", "field_office"))
        if len(form_id) > batch_files.FORM_ID_MAX:
            problems.append(("form_id", "form_id"))
        elif form_id.upper() == batch_files.EXAMPLE_FORM_ID:
            problems.append(("form_id", "example_row"))
        for index in self.header.unnamed:  # ascending: stop at the row's end
            if index >= width:
                break
            if batch_files.cell_text(cells[index]):
                problems.append((_column_letter(index), "no_column_name"))
        return _BatchRowResult(cleaned, language, office, form_id, problems)

    def _cell(self, cells: list, name: str) -> str:
        index = self.optional[name]
        return batch_files.cell_text(cells[index]) if index is not None and index < len(cells) else ""

    def base(self, result: _BatchRowResult) -> tuple[str, bool]:
        """A keyed hash naming the row: its form number when it has one, else its content (the
        cleaned answers and the language and office as written; not who uploaded it)."""
        if result.form_id:
            material = f"{self.scope}|form|{' '.join(result.form_id.split()).upper()}"
            return blind_index(material, purpose="survey-paper-row"), True
        parts = [f"{name}={batch_files.canonical(value)}" for name, (_q, value) in sorted(result.cleaned.items())]
        material = "\x1f".join([f"{self.scope}|row|{self.lineage}", result.language, result.field_office, *parts])
        return blind_index(material, purpose="survey-paper-row"), False


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _field_office_codes() -> set[str]:
    """The active ICE field office codes (intake's table, read through the app registry, as
    surveys does not import intake); empty when there is none, and any 3-letter code is taken."""
    try:
        model = apps.get_model("intake", "FieldOffice")
    except LookupError:
        return set()
    return set(model.objects.filter(is_active=True).values_list("code", flat=True))


def _is_blank(cells: list) -> bool:
    return not any(batch_files.cell_text(cell) for cell in cells)


def _batch_submission_key(base: str, occurrence: int) -> str:
    return "paper:" + blind_index(f"{base}:{occurrence}", purpose="survey-paper")[:58]


def batch_check(*, batch: Batch) -> Batch:
    """Check every row of a batch still CHECKING, in one transaction holding its row, so two
    workers never check it at once and a worker dying midway leaves it CHECKING for the sweep."""
    with transaction.atomic():
        locked = (
            Batch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("survey", "version")
            .filter(pk=batch.pk, status=Batch.Status.CHECKING)
            .first()
        )
        if locked is None:  # checked already, or being checked by another worker
            return Batch.objects.get(pk=batch.pk)
        return _batch_check_locked(locked)


def _batch_read(batch: Batch) -> bytes | None:
    if not batch.file:
        return None
    try:
        return encrypted_file_read(batch.file)
    except FileNotFoundError:
        return None
    # Any other error (storage down, a worker without the newest key) is raised: the
    # transaction rolls back, the file stays, and the sweep tries again.


def _batch_check_locked(batch: Batch) -> Batch:
    BatchRow.objects.filter(batch=batch).delete()
    data = _batch_read(batch)
    if data is None:
        return _batch_fail(batch, "gone")
    questions = list(batch.version.questions.prefetch_related("choices"))
    problems: list[list] = []
    total = valid = 0
    staged: list[BatchRow] = []
    try:
        rows = batch_files.iter_rows(data)
        first = next(rows, None)
        if first is None or _is_blank(first[1]):
            raise batch_files.FileUnreadable("no_header")
        header = batch_files.read_header(first[1], questions)
        problems.extend([1, column, code] for column, code in header.problems)
        checker = _BatchRowChecker(batch, questions, header)
        for number, cells in rows:
            if _is_blank(cells):
                continue
            total += 1
            if total > settings.SURVEY_BATCH_MAX_ROWS:
                raise batch_files.FileUnreadable("too_many_rows")
            result = checker.check(cells)
            if result.problems:
                room = BATCH_MAX_PROBLEMS - len(problems)
                problems.extend([number, column, code] for column, code in result.problems[: max(room, 0)])
                continue
            valid += 1
            if header.problems:
                continue  # nothing is imported from a file whose columns are wrong
            base, from_form_id = checker.base(result)
            staged.append(BatchRow(batch=batch, number=number, base=base, from_form_id=from_form_id))
            if len(staged) >= BATCH_CHUNK_ROWS:
                BatchRow.objects.bulk_create(staged)
                staged = []
    except batch_files.FileUnreadable as unreadable:
        BatchRow.objects.filter(batch=batch).delete()
        return _batch_fail(batch, unreadable.code)
    BatchRow.objects.bulk_create(staged)
    if header.problems:
        valid = 0
    else:
        _batch_number_identical_rows(batch)
        # Two rows with the same form number are one paper form entered twice: both are shown.
        repeated = BatchRow.objects.filter(batch=batch, from_form_id=True, occurrence__gt=1)
        numbers = list(repeated.order_by("number").values_list("number", flat=True)[:BATCH_MAX_PROBLEMS])
        valid -= repeated.count()
        repeated.delete()
        problems.extend([number, "form_id", "form_id_repeated"] for number in numbers)
    if total == 0:
        problems.append([1, "", "no_rows"])
    problems.sort(key=lambda problem: problem[0])
    batch.problems = problems[:BATCH_MAX_PROBLEMS]
    batch.rows_total, batch.rows_valid = total, valid
    batch.status, batch.checked_at = Batch.Status.CHECKED, timezone.now()
    batch.save(update_fields=["problems", "rows_total", "rows_valid", "status", "checked_at"])
    return batch


def _batch_number_identical_rows(batch: Batch) -> None:
    """Number the rows that share a base (identical content, or a repeated form number) in file
    order, in the database: one UPDATE with a window function, however many rows."""
    quote = connection.ops.quote_name
    table = quote(BatchRow._meta.db_table)
    batch_id = BatchRow._meta.get_field("batch").get_db_prep_value(batch.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {quote('occurrence')} = numbered.n FROM ("  # noqa: S608 (names, not input)
            f"SELECT {quote('id')}, ROW_NUMBER() OVER (PARTITION BY {quote('base')} ORDER BY {quote('number')}) AS n"
            f" FROM {table} WHERE {quote('batch_id')} = %s) AS numbered"
            f" WHERE {table}.{quote('id')} = numbered.{quote('id')} AND numbered.n > 1",
            [batch_id],
        )


def _batch_fail(batch: Batch, code: str) -> Batch:
    name = batch.file
    batch.status, batch.problems, batch.file = Batch.Status.FAILED, [[0, "", code]], ""
    batch.rows_total = batch.rows_valid = 0
    batch.checked_at = timezone.now()
    batch.save(update_fields=["status", "problems", "file", "rows_total", "rows_valid", "checked_at"])
    transaction.on_commit(lambda: encrypted_file_delete(name))
    return batch


def _batch_import_refusal(batch: Batch, only_valid: bool) -> None:
    if batch.status == Batch.Status.IMPORTED:
        raise ApplicationError(gettext("This file is imported already."), code="imported")
    if batch.status == Batch.Status.DISCARDED:
        raise ApplicationError(gettext("This file was discarded. Upload it again to import it."), code="discarded")
    if batch.status not in (Batch.Status.CHECKED, Batch.Status.IMPORTING):
        raise ApplicationError(gettext("This file cannot be imported now."), code="not_checked")
    survey, now = batch.survey, timezone.now()
    if survey.status != Survey.Status.OPEN or (survey.closes_at is not None and survey.closes_at <= now):
        # Numbers published once a survey closes must not move (two readings could be subtracted).
        raise ApplicationError(gettext("This survey is not open, so no answers can be added to it."), code="closed")
    if batch.problems and not only_valid:
        raise ApplicationError(
            gettext("Some rows have problems. Fix them and upload the file again, or import only the valid rows."),
            code="problems",
        )
    if not batch.rows_valid:
        raise ApplicationError(gettext("No row of this file can be imported."), code="nothing_valid")


def batch_import_start(*, batch: Batch, only_valid: bool) -> Batch:
    """Mark a checked batch IMPORTING (`imported_at` holds when this was asked until it is done)
    and have a worker import it; a second click changes nothing."""
    _batch_import_refusal(batch, only_valid)
    with transaction.atomic():
        started = Batch.objects.filter(pk=batch.pk, status=Batch.Status.CHECKED).update(
            status=Batch.Status.IMPORTING, imported_at=timezone.now()
        )
        if started:
            from surveys.tasks import batch_import_task

            enqueue_on_commit(batch_import_task, str(batch.pk), only_valid)
    batch.refresh_from_db()
    return batch


def batch_import(*, batch: Batch, only_valid: bool) -> Batch:
    """Import a checked batch in ONE transaction: every valid row (all of them, or only the valid
    ones when the person chose so) becomes a paper response with its answers, except rows whose
    submission key exists already (counted in rows_already). If anything fails, nothing is
    written and the batch is CHECKED again."""
    try:
        with transaction.atomic():
            locked = (
                Batch.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("survey", "version", "organization", "uploaded_by")
                .filter(pk=batch.pk)
                .first()
            )
            if locked is None:  # another worker holds it: that one imports it
                return batch
            _batch_import_refusal(locked, only_valid)
            return _batch_import_locked(locked)
    except BaseException:
        Batch.objects.filter(pk=batch.pk, status=Batch.Status.IMPORTING).update(
            status=Batch.Status.CHECKED, imported_at=None
        )
        raise


def _batch_import_locked(batch: Batch) -> Batch:
    data = _batch_read(batch)
    if data is None:
        raise ApplicationError(gettext("The file is no longer here. Please upload it again."), code="gone")
    questions = list(batch.version.questions.prefetch_related("choices"))
    rows = batch_files.iter_rows(data)
    try:
        header = batch_files.read_header(next(rows)[1], questions)
    except (StopIteration, batch_files.FileUnreadable):
        header = None
    if header is None or header.problems:
        raise ApplicationError(gettext("The file changed since it was checked. Upload it again."), code="changed")
    checker = _BatchRowChecker(batch, questions, header)
    imported = already = seen = 0
    chunk: list[tuple[int, list]] = []
    for number, cells in rows:
        if _is_blank(cells):
            continue
        chunk.append((number, cells))
        if len(chunk) >= BATCH_CHUNK_ROWS:
            created, existed, staged = _batch_import_chunk(batch, checker, chunk)
            imported, already, seen, chunk = imported + created, already + existed, seen + staged, []
    if chunk:
        created, existed, staged = _batch_import_chunk(batch, checker, chunk)
        imported, already, seen = imported + created, already + existed, seen + staged
    if seen != BatchRow.objects.filter(batch=batch).count():
        raise ApplicationError(gettext("The file changed since it was checked. Upload it again."), code="changed")
    BatchRow.objects.filter(batch=batch).delete()
    name = batch.file
    batch.status, batch.imported_at, batch.file = Batch.Status.IMPORTED, timezone.now(), ""
    batch.rows_imported, batch.rows_already = imported, already
    batch.save(update_fields=["status", "imported_at", "file", "rows_imported", "rows_already"])
    transaction.on_commit(lambda: encrypted_file_delete(name))
    return batch


def _batch_import_chunk(batch: Batch, checker: _BatchRowChecker, rows: list[tuple[int, list]]) -> tuple[int, int, int]:
    """Some rows of the file, in order: (responses created, rows imported before, rows staged)."""
    staged = {
        number: (base, occurrence)
        for number, base, occurrence in BatchRow.objects.filter(
            batch=batch, number__gte=rows[0][0], number__lte=rows[-1][0]
        ).values_list("number", "base", "occurrence")
    }
    keyed = []
    for number, cells in rows:
        if number not in staged:
            continue  # a row with a problem
        result = checker.check(cells)
        if result.problems:
            raise ApplicationError(gettext("The file changed since it was checked. Upload it again."), code="changed")
        keyed.append((_batch_submission_key(*staged[number]), result))
    existing = set(
        Response.objects.filter(submission_key__in=[key for key, _result in keyed]).values_list(
            "submission_key", flat=True
        )
    )
    default_language = batch.uploaded_by.preferred_language
    new = [(key, result) for key, result in keyed if key not in existing]
    responses = Response.objects.bulk_create(
        [
            Response(
                survey=batch.survey,
                version=batch.version,
                channel=Response.Channel.PAPER,
                language=result.language or default_language,
                organization=batch.organization,
                collected_by_id=batch.uploaded_by_id,
                respondent_consent_at=batch.created_at,  # confirmed for every form when uploaded
                field_office=result.field_office,
                batch=batch,
                submission_key=key,
            )
            for key, result in new
        ]
    )
    Answer.objects.bulk_create(
        [
            _answer(response, question, value)
            for response, (_key, result) in zip(responses, new, strict=True)
            for question, value in result.cleaned.values()
        ],
        batch_size=5000,
    )
    return len(responses), len(keyed) - len(responses), len(keyed)


def batch_discard(*, batch: Batch) -> Batch:
    """Drop a batch that was not imported, and its file."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update(skip_locked=True).filter(pk=batch.pk).first()
        if locked is None:
            raise ApplicationError(gettext("This file is being worked on. Try again in a minute."), code="busy")
        if locked.status not in (Batch.Status.CHECKING, Batch.Status.CHECKED, Batch.Status.FAILED):
            raise ApplicationError(gettext("This file cannot be discarded now."), code="not_discardable")
        BatchRow.objects.filter(batch=locked).delete()
        name = locked.file
        locked.status, locked.file = Batch.Status.DISCARDED, ""
        locked.save(update_fields=["status", "file"])
        transaction.on_commit(lambda: encrypted_file_delete(name))
    return locked


def batches_resume_stuck() -> int:
    """Beat's sweep: a batch CHECKING or IMPORTING for more than SURVEY_BATCH_STUCK_MINUTES whose
    row no worker holds (its worker died, or the broker lost the task) is handed to a worker
    again. Returns how many."""
    cutoff = timezone.now() - timedelta(minutes=settings.SURVEY_BATCH_STUCK_MINUTES)
    from surveys.tasks import batch_check_task, batch_import_task

    with transaction.atomic():
        stuck = list(
            Batch.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Batch.Status.CHECKING, created_at__lt=cutoff)
                | (Q(status=Batch.Status.IMPORTING) & (Q(imported_at__lt=cutoff) | Q(imported_at__isnull=True)))
            )
            .only("pk", "status")[:100]
        )
        for batch in stuck:
            if batch.status == Batch.Status.CHECKING:
                enqueue_on_commit(batch_check_task, str(batch.pk))
            else:
                # Importing was asked for; with problems, only for the valid rows (nothing else is
                # allowed), and without any, "only the valid rows" is every row.
                enqueue_on_commit(batch_import_task, str(batch.pk), True)
    return len(stuck)


# --- Results exports -------------------------------------------------------------------------------


def survey_results_export_record(*, actor, survey: Survey, fmt: str, filters: dict, rows: int, free_text: bool) -> None:
    """Write the audit event of an export of a survey's responses: who, which survey, in which
    format, with which filters and how many rows, and whether free text was in it. Never an
    answer."""
    from privacy.services import audit_record  # here, so this section needs no shared import line

    audit_record(
        actor=actor,
        action="survey.exported",
        obj=survey,
        data={"format": fmt, "filters": filters, "rows": rows, "free_text": free_text},
    )


def survey_xlsform_export_record(*, actor, survey: Survey, version: int) -> None:
    """Write the audit event of an export of a survey's questions as an XLSForm (a draft's may
    not be public yet): every export is audited."""
    from privacy.services import audit_record

    audit_record(actor=actor, action="survey.xlsform_exported", obj=survey, data={"version": version})


# --- API ---
# Responses entered by an organisation's member through the API (surveys.api), one or many at a
# time: every item is checked first with response_submit's rules (answers_check), and only when
# all of them pass are they stored, in one transaction, in a fixed number of queries however many
# items there are.

API_KEY_PURPOSE = "survey-api"


@dataclass(frozen=True)
class ApiResponseItem:
    """One response as a partner sends it. `external_id` is the partner's own id for it: the same
    one again, for the same organisation and survey, is the same response."""

    answers: dict
    language: str
    version: int | None = None  # a published version's number; the current one when None
    field_office: str = ""
    external_id: str = ""


class ApiResponsesInvalid(ApplicationError):
    """Some items cannot be stored (and none was). `problems` maps an item's index to its
    problems by field: {"version": "unknown"}, {"field_office": "field_office"},
    {"external_id": "repeated"}, {"answers": [AnswerProblem, ...]} (code "unknown" for a name no
    question of the version has); `questions` maps an index to its version's {name: Question}."""

    def __init__(self, problems: dict[int, dict], questions: dict[int, dict[str, Question]]) -> None:
        super().__init__("Some responses are not valid.", code="invalid")
        self.problems = problems
        self.questions = questions


def api_submission_key(*, organization, survey: Survey, external_id: str = "", request_key: str = "", user=None) -> str:
    """The submission key of a response sent through the API: from the partner's id for it (per
    organisation and survey), else from the request's Idempotency-Key (and the item's place in
    it), else new. Keyed hashes, as a partner's ids may name people, and a key holds 64
    characters."""
    if external_id:
        material = f"external|{organization.pk}|{survey.pk}|{external_id}"
    elif request_key:
        material = f"request|{getattr(user, 'pk', '-')}|{survey.pk}|{request_key}"
    else:
        return f"api:{uuid.uuid4().hex}"
    return "api:" + blind_index(material, purpose=API_KEY_PURPOSE)[:60]


def api_responses_submit(
    *,
    survey: Survey,
    items: list[ApiResponseItem],
    organization,
    collected_by,
    respondent_consented: bool,
    request_key: str = "",
) -> list[tuple[int, bool]]:
    """Check every item, then store them all or none: (response id, whether this call stored it)
    per item, in order. An item whose key is stored already (its external_id sent before, or the
    same request again) gives the stored response. Raises ApplicationError when the survey is not
    open or consent is missing, ApiResponsesInvalid when any item has a problem."""
    if not respondent_consented:
        raise ApplicationError(gettext("You can only enter answers when the person agrees."), code="consent")
    now = timezone.now()
    if (
        survey.status != Survey.Status.OPEN
        or (survey.opens_at and survey.opens_at > now)
        or (survey.closes_at and survey.closes_at <= now)
    ):
        raise ApplicationError(gettext("This survey is not open, so no answers can be added to it."), code="closed")
    versions = {v.number: v for v in SurveyVersion.objects.filter(survey=survey, published_at__isnull=False)}
    if not versions:
        raise ApplicationError(gettext("This survey is not open, so no answers can be added to it."), code="closed")
    current = versions[max(versions)]
    wanted = {versions.get(item.version) if item.version is not None else current for item in items} - {None}
    by_version: dict[int, dict[str, Question]] = {}
    for question in Question.objects.filter(version__in=wanted).prefetch_related("choices").order_by("position"):
        by_version.setdefault(question.version_id, {})[question.name] = question
    offices = _field_office_codes() if any(item.field_office for item in items) else set()

    problems: dict[int, dict] = {}
    questions_of: dict[int, dict[str, Question]] = {}
    checked: list[tuple[str, SurveyVersion, dict, ApiResponseItem, str]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        found: dict = {}
        version = versions.get(item.version) if item.version is not None else current
        if version is None:
            problems[index] = {"version": "unknown"}
            continue
        questions = by_version.get(version.pk, {})
        questions_of[index] = questions
        office = item.field_office.strip().upper()
        if office and not (batch_files.OFFICE_CODE.match(office) and (not offices or office in offices)):
            found["field_office"] = "field_office"
        answer_problems = []
        for name, raw in item.answers.items():
            question = questions.get(name)
            if question is None or question.kind == Question.Kind.NOTE:
                answer_problems.append(AnswerProblem(str(name), "unknown"))
            elif code := _api_shape_problem(question, raw):
                answer_problems.append(AnswerProblem(name, code))
        wrong = {problem.question for problem in answer_problems}
        cleaned, invalid = answers_check(list(questions.values()), item.answers)
        answer_problems += [problem for problem in invalid if problem.question not in wrong]
        if answer_problems:
            found["answers"] = answer_problems
        key = api_submission_key(
            organization=organization,
            survey=survey,
            external_id=item.external_id,
            request_key=f"{request_key}|{index}" if request_key else "",
            user=collected_by,
        )
        if key in seen:
            found["external_id"] = "repeated"
        seen[key] = index
        if found:
            problems[index] = found
        else:
            checked.append((key, version, cleaned, item, office))
    if problems:
        raise ApiResponsesInvalid(problems, questions_of)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _api_responses_store(survey, checked, organization, collected_by, now)
        except (IntegrityError, OperationalError):
            # Another request stored one of these keys between our look and our insert (or the
            # database chose this one to undo in a lock cycle): look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _api_shape_problem(question: Question, raw) -> str:
    """A JSON value that is not an answer of this kind at all (an object, true or false, a list
    where one value goes, a list inside a list): the problem code, or "" to let answers_check
    judge it. Without this, a text question would keep a list as its Python spelling."""
    if raw is None or raw == []:
        return ""
    many = question.kind == Question.Kind.MULTIPLE
    if isinstance(raw, list) and many:
        wrong = any(isinstance(value, dict | list | bool) or value is None for value in raw)
    else:
        wrong = isinstance(raw, dict | list | bool)
    if not wrong:
        return ""
    if question.kind in CHOICE_KINDS:
        return "choice"
    return {Question.Kind.NUMBER: "number", Question.Kind.DATE: "date"}.get(question.kind, "type")


def _api_responses_store(survey: Survey, checked: list, organization, collected_by, now) -> list[tuple[int, bool]]:
    keys = [key for key, *_rest in checked]
    existing = dict(Response.objects.filter(submission_key__in=keys).values_list("submission_key", "pk"))
    # Inserted in key order, so two batches sharing keys lock them in the same order (no deadlock).
    new = sorted((entry for entry in checked if entry[0] not in existing), key=lambda entry: entry[0])
    responses = Response.objects.bulk_create(
        [
            Response(
                survey=survey,
                version=version,
                channel=Response.Channel.API,
                language=item.language,
                organization=organization,
                collected_by=collected_by,
                respondent_consent_at=now,
                field_office=office,
                submission_key=key,
                created_at=now,
            )
            for key, version, _cleaned, item, office in new
        ]
    )
    Answer.objects.bulk_create(
        [
            _answer(response, question, value)
            for response, (_key, _version, cleaned, _item, _office) in zip(responses, new, strict=True)
            for question, value in cleaned.values()
        ],
        batch_size=5000,
    )
    stored = {response.submission_key: response.pk for response in responses}
    return [(existing[key], False) if key in existing else (stored[key], True) for key in keys]
