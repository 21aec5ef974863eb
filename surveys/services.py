"""Writes for surveys: versions that freeze once published, and responses checked against the
version they answer (choices that exist, bounds, required questions, show-if rules)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from surveys.models import Answer, Choice, Question, Response, Survey, SurveyVersion


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
    """Freeze a draft version: from now on responses may answer it, and it never changes."""
    if version.is_published:
        return version
    if not version.questions.exclude(kind=Question.Kind.NOTE).exists():
        raise ApplicationError("A survey needs at least one question before it is published.", code="empty")
    names = set(version.questions.values_list("name", flat=True))
    for question in version.questions.exclude(show_if=None):
        if (question.show_if or {}).get("question") not in names:
            raise ApplicationError(f"{question.name}: its show-if rule names no question.", code="show_if")
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
    questions = list(version.questions.prefetch_related("choices"))
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


def _shown(question: Question, cleaned: dict) -> bool:
    rule = question.show_if
    if not rule:
        return True
    earlier = cleaned.get(rule.get("question"))
    if earlier is None:
        return False
    value = earlier[1]
    return rule.get("value") in value if isinstance(value, list) else str(value) == str(rule.get("value"))


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
        except InvalidOperation:
            return None, "number"
        if not number.is_finite():
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
