"""Reads for surveys: which surveys a person may answer or run, and whose responses they see."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import CharField, Count, JSONField, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Organization
from privacy import suppression
from privacy.crypto import blind_index
from surveys.models import Answer, Batch, Invitation, Question, Response, ResponseDraft, Survey, SurveyVersion


def surveys_open_public() -> list[Survey]:
    """Open surveys anyone may answer, newest first."""
    now = timezone.now()
    return list(
        Survey.objects.filter(status=Survey.Status.OPEN, audience=Survey.Audience.PUBLIC)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("-created_at")
    )


def surveys_closed_public() -> list[Survey]:
    """Closed surveys anyone could answer: their results are public."""
    return list(
        Survey.objects.filter(status=Survey.Status.CLOSED, audience=Survey.Audience.PUBLIC).order_by("-closes_at")
    )


def survey_is_open(survey: Survey) -> bool:
    now = timezone.now()
    return (
        survey.status == Survey.Status.OPEN
        and (survey.opens_at is None or survey.opens_at <= now)
        and (survey.closes_at is None or survey.closes_at > now)
    )


def survey_by_slug(slug: str) -> Survey | None:
    return Survey.objects.filter(slug=slug).exclude(status=Survey.Status.DRAFT).first()


def survey_by_keyword(word: str) -> Survey | None:
    word = word.strip().upper()
    return Survey.objects.filter(keyword=word).first() if word else None


def invitation_by_code(code: str) -> Invitation | None:
    code = code.strip().upper()
    if not code:
        return None
    return Invitation.objects.select_related("survey", "organization").filter(code=code, is_active=True).first()


def response_draft_by_token(token: str) -> ResponseDraft | None:
    """A live web response by the token in its URL; an expired one is as good as gone."""
    return (
        ResponseDraft.objects.select_related("version__survey", "invitation__organization")
        .filter(token_index=blind_index(token, purpose="survey-draft"), expires_at__gt=timezone.now())
        .first()
    )


def version_questions(version: SurveyVersion) -> list[Question]:
    """The questions of a version with their choices, in order: two queries."""
    return list(version.questions.prefetch_related("choices").order_by("position"))


def invitations_for(survey: Survey, organizations) -> list[Invitation]:
    return list(
        Invitation.objects.filter(survey=survey, organization__in=organizations)
        .select_related("organization")
        .order_by("-created_at")
    )


def version_current(survey: Survey) -> SurveyVersion | None:
    return survey.current_version


def user_is_survey_staff(user) -> bool:
    """Liaison staff and supervisors see every response, free text included."""
    return bool(user_roles_cached(user) & {roles.LIAISON, roles.SUPERVISOR})


def user_roles_cached(user) -> set[str]:
    if not hasattr(user, "_voces_roles"):
        user._voces_roles = roles.user_roles(user)
    return user._voces_roles


def user_organizations(user) -> list[Organization]:
    if not user.is_authenticated:
        return []
    return list(Organization.objects.filter(memberships__user=user, is_active=True).order_by("name"))


def surveys_for_runner(user) -> list[Survey]:
    """Surveys a person may collect answers for or read results of: every one for staff; for an
    organisation's member, public ones and those their organisation is invited to."""
    queryset = Survey.objects.exclude(status=Survey.Status.DRAFT).order_by("-created_at")
    if user_is_survey_staff(user):
        return list(queryset)
    if not user.has_perm("accounts.run_surveys"):
        return []
    organizations = user_organizations(user)
    if not organizations:
        return []
    return list(queryset.filter(Q(audience=Survey.Audience.PUBLIC) | Q(organizations__in=organizations)).distinct())


def organizations_for_runner(user, survey: Survey) -> list[Organization]:
    """The organisations a person may collect answers for on a survey."""
    organizations = user_organizations(user)
    if survey.audience == Survey.Audience.INVITED:
        invited = set(survey.organizations.values_list("pk", flat=True))
        organizations = [o for o in organizations if o.pk in invited]
    return organizations


def responses_visible_to(user, survey: Survey) -> QuerySet[Response]:
    """Staff see every response; an organisation sees those it collected or invited."""
    queryset = Response.objects.filter(survey=survey)
    if user_is_survey_staff(user):
        return queryset
    return queryset.filter(organization__in=user_organizations(user))


# --- SMS and WhatsApp (surveys.conversation) -----------------------------------------------------


def version_for_conversation(version_id: int) -> SurveyVersion | None:
    """A published version with its survey, questions and choices: three queries."""
    return (
        SurveyVersion.objects.select_related("survey")
        .prefetch_related("questions__choices")
        .filter(pk=version_id, published_at__isnull=False)
        .first()
    )


def invitation_by_id(invitation_id: int | None) -> Invitation | None:
    """The invitation a conversation began with, active or not since: its answers stay its own."""
    if not invitation_id:
        return None
    return Invitation.objects.select_related("organization").filter(pk=invitation_id).first()


def version_published(survey: Survey, number: int | None = None) -> SurveyVersion | None:
    """A published version of a survey by its number, or the one published last."""
    versions = survey.versions.filter(published_at__isnull=False)
    if number is None:
        return versions.order_by("-number").first()
    return versions.filter(number=number).first()


# --- Paper batches -----------------------------------------------------------------------------


def batches_visible_to(user, survey: Survey) -> QuerySet[Batch]:
    """A survey's paper batches, newest first: staff see every one; an organisation's member,
    their organisations' only."""
    queryset = Batch.objects.filter(survey=survey).select_related("organization", "uploaded_by").order_by("-created_at")
    if user_is_survey_staff(user):
        return queryset
    if not user.has_perm("accounts.run_surveys"):
        return queryset.none()
    return queryset.filter(organization__in=user_organizations(user))


def batch_visible_to(user, batch_id) -> Batch | None:
    """A batch, if this person may see it (as batches_visible_to)."""
    queryset = Batch.objects.select_related("survey", "version", "organization", "uploaded_by")
    if not user_is_survey_staff(user):
        if not user.has_perm("accounts.run_surveys"):
            return None
        queryset = queryset.filter(organization__in=user_organizations(user))
    return queryset.filter(pk=batch_id).first()


# --- Results: counts for staff and organisations, suppressed numbers for the public -------------

ONE_KINDS = (Question.Kind.SINGLE, Question.Kind.YES_NO, Question.Kind.SCALE)
CHOICE_KINDS = (*ONE_KINDS, Question.Kind.MULTIPLE)
TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)
TEXTS_SHOWN = 500  # free-text answers listed on the results page (the export has every one)


@dataclass
class ResultQuestion:
    """A question as results see it: every version's question of one name (a name is stable
    across versions), with the words of the newest version that has it."""

    name: str
    kind: str
    label: object
    position: int
    newest: int  # the number of the newest version that has it
    choices: list[tuple[str, object]] = field(default_factory=list)  # (value, label)
    versions: set[int] = field(default_factory=set)
    show_if: dict | None = None
    same_kind: bool = True  # one kind in every version
    same_rule: bool = True  # one show-if rule in every version
    required: bool = True  # required in every version


def user_is_survey_auditor(user) -> bool:
    return roles.AUDITOR in user_roles_cached(user)


def results_show_text(user) -> bool:
    """People's own words (free text) are for liaison staff and supervisors only."""
    return user_is_survey_staff(user)


def survey_for_results_auditor(user, slug: str) -> Survey | None:
    """An auditor reads the counts of any survey that is not a draft."""
    if not user_is_survey_auditor(user):
        return None
    return survey_by_slug(slug)


def responses_for_results(user, survey: Survey) -> QuerySet[Response]:
    """The responses a person's results count: as responses_visible_to, and every response for
    an auditor (who sees counts, never free text)."""
    if not user_is_survey_staff(user) and user_is_survey_auditor(user):
        return Response.objects.filter(survey=survey)
    return responses_visible_to(user, survey)


def responses_filtered(queryset: QuerySet[Response], filters: dict) -> QuerySet[Response]:
    """Narrow responses by language, organisation (id), field office (code), channel, and the day
    they came in (from and to, both included, in the site's time zone)."""
    if filters.get("language"):
        queryset = queryset.filter(language=filters["language"])
    if filters.get("organization"):
        queryset = queryset.filter(organization_id=filters["organization"])
    if filters.get("field_office"):
        queryset = queryset.filter(field_office=filters["field_office"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("date_from"):
        queryset = queryset.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        queryset = queryset.filter(created_at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    return queryset


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def results_filter_choices(responses: QuerySet[Response]) -> dict:
    """The organisations and field offices found among these responses (two queries)."""
    organizations = Organization.objects.filter(pk__in=responses.values("organization_id")).order_by("name")
    offices = responses.exclude(field_office="").values_list("field_office", flat=True).distinct()
    return {
        "organizations": [(str(o.pk), o.name) for o in organizations],
        "field_offices": sorted(set(offices)),
    }


def _choice_labels(question: Question) -> list[tuple[str, object]]:
    if question.kind == Question.Kind.YES_NO:
        return [("yes", _("Yes")), ("no", _("No"))]
    if question.kind == Question.Kind.SCALE:
        return [(str(n), str(n)) for n in range(1, 6)]
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return [(choice.value, choice.label) for choice in question.choices.all()]
    return []


def results_questions(survey: Survey) -> list[ResultQuestion]:
    """The survey's questions grouped by name across its published versions, in the order of
    the newest version (names it dropped come after): two queries."""
    questions = (
        Question.objects.filter(version__survey=survey, version__published_at__isnull=False)
        .exclude(kind=Question.Kind.NOTE)
        .select_related("version")
        .prefetch_related("choices")
        .order_by("-version__number", "position")
    )
    by_name: dict[str, ResultQuestion] = {}
    for question in questions:  # newest version first
        found = by_name.get(question.name)
        if found is None:
            by_name[question.name] = ResultQuestion(
                name=question.name,
                kind=question.kind,
                label=question.label,
                position=question.position,
                newest=question.version.number,
                choices=_choice_labels(question),
                versions={question.version_id},
                show_if=question.show_if or None,
                required=question.required,
            )
            continue
        found.versions.add(question.version_id)
        found.same_kind = found.same_kind and question.kind == found.kind
        found.same_rule = found.same_rule and (question.show_if or None) == found.show_if
        found.required = found.required and question.required
        known = {value for value, _label in found.choices}
        if question.kind == found.kind:
            found.choices += [(v, label) for v, label in _choice_labels(question) if v not in known]
    return sorted(by_name.values(), key=lambda q: (-q.newest, q.position))


def _answers_of(responses: QuerySet[Response]) -> QuerySet[Answer]:
    return Answer.objects.filter(response__in=responses.values("pk")).order_by()


def _counts_by_question(responses: QuerySet[Response]) -> dict:
    """The grouped counts every results page needs, one GROUP BY query per kind of answer:
    {(name, kind): {"one": {value: n}, "many": {(values...): n}, "numbers": {number: n}}}."""
    answers = _answers_of(responses)
    grouped: dict = {}

    def slot(name, kind):
        return grouped.setdefault((name, kind), {"one": {}, "many": {}, "numbers": {}})

    one = answers.filter(question__kind__in=ONE_KINDS).values("question__name", "question__kind", "choice")
    for row in one.annotate(n=Count("pk")):
        slot(row["question__name"], row["question__kind"])["one"][row["choice"]] = row["n"]
    # Grouped by the stored list itself (kept sorted by response_submit): combinations are few.
    many = answers.filter(question__kind=Question.Kind.MULTIPLE).values("question__name", "choices")
    for row in many.annotate(n=Count("pk")):
        combination = tuple(str(v) for v in (row["choices"] or []))
        counts = slot(row["question__name"], Question.Kind.MULTIPLE)["many"]
        counts[combination] = counts.get(combination, 0) + row["n"]
    numbers = answers.filter(question__kind=Question.Kind.NUMBER).values("question__name", "number")
    for row in numbers.annotate(n=Count("pk")):
        slot(row["question__name"], Question.Kind.NUMBER)["numbers"][row["number"]] = row["n"]
    return grouped


def _value_counts(question: ResultQuestion, grouped: dict) -> tuple[int, dict[str, int]]:
    """(people who answered, {value: people who gave it}) for a choice question: every choice,
    even one nobody picked, then any value only older versions offered."""
    slot = grouped.get((question.name, question.kind), {"one": {}, "many": {}})
    counts = {value: 0 for value, _label in question.choices}
    if question.kind == Question.Kind.MULTIPLE:
        answered = 0
        for combination, n in slot["many"].items():
            answered += n
            for value in combination:
                counts[value] = counts.get(value, 0) + n
        return answered, counts
    for value, n in slot["one"].items():
        counts[value] = counts.get(value, 0) + n
    return sum(slot["one"].values()), counts


def _median(frequencies: dict, *, lower: bool = False) -> Decimal | None:
    """The median of values given with their counts (a GROUP BY's rows). `lower`: the lower
    middle value, always one somebody gave (the mean of two middle values would tell that
    exactly half the people answered below it)."""
    count = sum(frequencies.values())
    if not count:
        return None
    wanted = [(count - 1) // 2, (count - 1) // 2 if lower else count // 2]
    found, seen = [], 0
    for value in sorted(frequencies):
        n = frequencies[value]
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def results_compute(
    survey: Survey,
    responses: QuerySet[Response],
    *,
    with_text: bool,
    crosstab: tuple[str, str] | None = None,
    questions: list[ResultQuestion] | None = None,
) -> dict:
    """Results of these responses, per question name: respondents, counts and percentages of
    each choice (of those who answered; multiple choice can add up to more than 100), count,
    lowest, median and highest of numbers, count, earliest and latest of dates, count of free
    texts and, `with_text`, the texts. All counted in the database with GROUP BY, in a fixed
    number of queries whatever the number of responses or questions. `questions` as
    results_questions gives them, when the caller has them already."""
    questions = results_questions(survey) if questions is None else questions
    total = responses.count()
    grouped = _counts_by_question(responses)
    answers = _answers_of(responses)
    dates = {
        row["question__name"]: row
        for row in answers.filter(question__kind=Question.Kind.DATE)
        .values("question__name")
        .annotate(n=Count("pk"), first=Min("date"), last=Max("date"))
    }
    text_counts = dict(
        answers.filter(question__kind__in=TEXT_KINDS).values_list("question__name").annotate(n=Count("pk"))
    )
    texts: dict[str, list[str]] = {}
    if with_text:
        newest_first = answers.filter(question__kind__in=TEXT_KINDS).order_by("-response__created_at", "-pk")
        for name, text in newest_first.values_list("question__name", "text")[:TEXTS_SHOWN]:
            texts.setdefault(name, []).append(text)

    results = []
    for question in questions:
        result = {"question": question, "kind": question.kind, "answered": 0, "rows": [], "texts": None}
        if question.kind in CHOICE_KINDS:
            answered, counts = _value_counts(question, grouped)
            labels = dict(question.choices)
            result["answered"] = answered
            result["rows"] = [
                {"value": v, "label": labels.get(v, v), "count": n, "percent": _percent(n, answered)}
                for v, n in counts.items()
            ]
        elif question.kind == Question.Kind.NUMBER:
            frequencies = grouped.get((question.name, question.kind), {}).get("numbers", {})
            result["answered"] = sum(frequencies.values())
            if frequencies:
                result["lowest"], result["highest"] = min(frequencies), max(frequencies)
                result["median"] = _median(frequencies)
        elif question.kind == Question.Kind.DATE:
            row = dates.get(question.name)
            if row:
                result.update(answered=row["n"], earliest=row["first"], latest=row["last"])
        elif question.kind in TEXT_KINDS:
            result["answered"] = text_counts.get(question.name, 0)
            if with_text:
                result["texts"] = texts.get(question.name, [])
                result["texts_cut"] = len(result["texts"]) < result["answered"]
        result["no_answer"] = total - result["answered"]
        results.append(result)
    table = None
    if crosstab:
        table = _crosstab(responses, {q.name: q for q in questions}, *crosstab)
    return {"total": total, "questions": results, "crosstab": table}


def results_crosstab_questions(survey_questions: list[ResultQuestion]) -> list[ResultQuestion]:
    return [q for q in survey_questions if q.kind in CHOICE_KINDS]


def _crosstab(responses: QuerySet[Response], by_name: dict, row_name: str, column_name: str) -> dict | None:
    """People by their answers to two choice questions (one query): those who answered both,
    counted in each pair of answers, with row and column totals. For a multiple-choice question
    a person counts under every choice they picked, so cells can add up to more than a total."""
    row_question, column_question = by_name.get(row_name), by_name.get(column_name)
    if row_question is None or column_question is None or row_name == column_name:
        return None
    if row_question.kind not in CHOICE_KINDS or column_question.kind not in CHOICE_KINDS:
        return None

    def answer_of(question: ResultQuestion):
        column = "choices" if question.kind == Question.Kind.MULTIPLE else "choice"
        output = JSONField() if question.kind == Question.Kind.MULTIPLE else CharField()
        found = Answer.objects.filter(response=OuterRef("pk"), question__name=question.name).values(column)[:1]
        return Subquery(found, output_field=output)

    pairs = (
        responses.order_by()
        .annotate(row_answer=answer_of(row_question), column_answer=answer_of(column_question))
        .filter(row_answer__isnull=False, column_answer__isnull=False)
        .values("row_answer", "column_answer")
        .annotate(n=Count("pk"))
    )

    def values_of(answer) -> list[str]:
        if isinstance(answer, list):
            return [str(v) for v in answer]
        return [str(answer)]

    cells: dict[tuple[str, str], int] = {}
    row_totals: dict[str, int] = {}
    column_totals: dict[str, int] = {}
    total = 0
    for pair in pairs:
        rows, columns, n = values_of(pair["row_answer"]), values_of(pair["column_answer"]), pair["n"]
        total += n
        for r in rows:
            row_totals[r] = row_totals.get(r, 0) + n
            for c in columns:
                cells[(r, c)] = cells.get((r, c), 0) + n
        for c in columns:
            column_totals[c] = column_totals.get(c, 0) + n

    def ordered(question: ResultQuestion, seen) -> list[tuple[str, object]]:
        known = [(v, label) for v, label in question.choices]
        return known + [(v, v) for v in sorted(seen) if v not in dict(known)]

    row_values = ordered(row_question, row_totals)
    column_values = ordered(column_question, column_totals)
    return {
        "row_question": row_question,
        "column_question": column_question,
        "columns": column_values,
        "rows": [
            {
                "label": label,
                "cells": [cells.get((r, c), 0) for c, _l in column_values],
                "total": row_totals.get(r, 0),
            }
            for r, label in row_values
        ],
        "column_totals": [column_totals.get(c, 0) for c, _l in column_values],
        "total": total,
    }


# --- Results: exports ----------------------------------------------------------------------------

EXPORT_CHUNK = 500


def results_export_columns(survey: Survey, *, with_text: bool) -> list[ResultQuestion]:
    """The question columns of an export: every question name, free text only `with_text`."""
    return [q for q in results_questions(survey) if with_text or q.kind not in TEXT_KINDS]


def results_export_rows(responses: QuerySet[Response], columns: list[ResultQuestion], *, with_text: bool):
    """One row per response, oldest first: id, date, channel, language, organisation, field
    office, then one value per column (multiple choice as values separated by spaces). Read in
    chunks, answers prefetched per chunk, so memory stays flat whatever the export's size."""
    answers = Answer.objects.select_related("question").only(
        "response_id", "question__name", "question__kind", "choice", "choices", "number", "date", "text"
    )
    if not with_text:
        answers = answers.exclude(question__kind__in=TEXT_KINDS).defer("text")
    queryset = (
        responses.select_related("organization")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("created_at", "pk")
    )
    for response in queryset.iterator(chunk_size=EXPORT_CHUNK):
        values = {answer.question.name: _export_value(answer) for answer in response.answers.all()}
        yield [
            response.pk,
            timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"),
            response.channel,
            response.language,
            response.organization.name if response.organization else "",
            response.field_office,
        ] + [values.get(column.name, "") for column in columns]


def _export_value(answer: Answer):
    kind = answer.question.kind
    if kind == Question.Kind.MULTIPLE:
        return " ".join(str(v) for v in answer.choices or [])
    if kind == Question.Kind.NUMBER:
        return answer.number
    if kind == Question.Kind.DATE:
        return answer.date.isoformat() if answer.date else ""
    if kind in TEXT_KINDS:
        return answer.text
    return answer.choice


# --- Public results (a closed survey, small counts suppressed) -----------------------------------


def public_results_compute(survey: Survey) -> dict:
    """The public numbers of a survey: the total of people and, per choice question and number
    question, its row with "no answer" (adding up to the total), after small-count suppression
    (privacy.suppression). Numbers get a count and, when 22 or more, the lower median. Dates
    and free text are never public, nor a question that some answered version did not ask.
    Percentages are of the total, and only next to a shown count."""
    questions = results_questions(survey)
    responses = Response.objects.filter(survey=survey)
    total = responses.count()
    grouped = _counts_by_question(responses)
    # Only questions every answered version asked: two questions added by the same later version
    # are answered by exactly the same people, an equality the table could not hold, through which
    # a hidden count could be worked out.
    answered_versions = set(responses.values_list("version_id", flat=True).distinct())
    public = [
        q
        for q in questions
        if q.same_kind
        and (q.kind in CHOICE_KINDS or q.kind == Question.Kind.NUMBER)
        and answered_versions <= q.versions
    ]
    by_name = {q.name: q for q in public}
    items, medians = [], {}
    for question in public:
        if question.kind == Question.Kind.NUMBER:
            frequencies = grouped.get((question.name, question.kind), {}).get("numbers", {})
            answered, counts, kind = sum(frequencies.values()), {}, suppression.COUNT
            medians[question.name] = _median(frequencies, lower=True)
        else:
            answered, counts = _value_counts(question, grouped)
            kind = suppression.MANY if question.kind == Question.Kind.MULTIPLE else suppression.ONE
        items.append(
            suppression.Item(
                name=question.name,
                kind=kind,
                answered=answered,
                counts=counts,
                parent=_public_parent(question, by_name),
                all_asked_answer=question.required,
            )
        )
    try:
        result = suppression.suppress(suppression.questionnaire_table(total, items))
    except ValueError:
        # Counts that do not add up (data from a broken import): publish nothing rather than guess.
        result = suppression.Suppressed(shown={}, hidden=frozenset(), withheld=True)
    if result.withheld:
        return {"withheld": True, "total": None, "questions": []}

    def cell(key) -> dict:
        count = result.value(key)
        return {"count": count, "percent": None if count is None else _percent(count, total)}

    shown = []
    for question in public:
        entry = {"question": question, "kind": question.kind, "no_answer": cell(("none", question.name))}
        if question.kind == Question.Kind.NUMBER:
            count = result.value(("answered", question.name))
            entry["answered"] = cell(("answered", question.name))
            # Shown only when either half of the answers holds more than 10 people.
            halves_large = count is not None and count > 2 * suppression.THRESHOLD + 1
            entry["median"] = medians[question.name] if halves_large else None
        else:
            labels = dict(question.choices)
            entry["rows"] = [
                {"value": value, "label": labels.get(value, value), **cell(("value", question.name, value))}
                for value in next(item.counts for item in items if item.name == question.name)
            ]
        shown.append(entry)
    return {"withheld": False, "total": total, "questions": shown}


def _public_parent(question: ResultQuestion, by_name: dict) -> tuple[str, str] | None:
    """The (question, value) a show-if question hangs on when every version has the same rule:
    then whoever answered it gave that value, and "answered + the rest = the parent's count of
    that value" is true, and known to anyone who reads the survey, so the audit must use it.
    (With rules that differ between versions no such equation holds.)"""
    rule = question.show_if
    if not rule or not question.same_rule:
        return None
    parent = by_name.get(rule.get("question"))
    if parent is None or parent.kind not in CHOICE_KINDS:
        return None
    value = rule.get("value")
    if parent.kind == Question.Kind.MULTIPLE and not isinstance(value, str):
        return None  # compared as stored: a value that is not text never matches a multiple choice
    return parent.name, str(value)


# --- API ---


@dataclass
class ApiSurveyItem:
    """An open public survey as the API lists it, with its current version's number."""

    survey: Survey
    version: int


def surveys_open_for_api() -> list[ApiSurveyItem]:
    """The surveys the public index lists (surveys_open_public) that have a published version to
    answer, each with that version's number: two queries."""
    surveys = surveys_open_public()
    numbers = dict(
        SurveyVersion.objects.filter(survey__in=surveys, published_at__isnull=False)
        .values("survey_id")
        .annotate(number=Max("number"))
        .values_list("survey_id", "number")
    )
    return [ApiSurveyItem(survey, numbers[survey.pk]) for survey in surveys if survey.pk in numbers]


def survey_for_api(user, slug: str) -> Survey | None:
    """A survey whose definition a caller may read: not a draft, and public, or invited and the
    caller collects for one of its organisations (or is survey staff)."""
    survey = survey_by_slug(slug)
    if survey is None or survey.audience == Survey.Audience.PUBLIC:
        return survey
    if not user.is_authenticated:
        return None
    if user_is_survey_staff(user) or (user.has_perm("accounts.run_surveys") and organizations_for_runner(user, survey)):
        return survey
    return None


def survey_public_closed(slug: str) -> Survey | None:
    """A survey whose results the public page shows: public, and closed."""
    return Survey.objects.filter(slug=slug, status=Survey.Status.CLOSED, audience=Survey.Audience.PUBLIC).first()


def version_for_api(survey: Survey, number: int | None = None) -> tuple[SurveyVersion | None, list[Question]]:
    """A published version (by number, else the current one) and its questions with their
    choices, in order: three queries."""
    version = version_published(survey, number)
    return version, (version_questions(version) if version is not None else [])


def question_choices(question: Question) -> list[tuple[str, object]]:
    """(value, label) of what a question may be answered with: its choices, yes and no, or 1 to
    5; none for the other kinds."""
    return _choice_labels(question)


def survey_languages(survey: Survey) -> list[str]:
    """The languages a survey has its title in, in the order of settings.LANGUAGES."""
    data = survey.title.data
    if not isinstance(data, dict):
        return [settings.LANGUAGE_CODE] if data else []
    return [code for code, _name in settings.LANGUAGES if data.get(code)]


def public_results_for_api(survey: Survey) -> dict:
    """public_results_compute's numbers as the API gives them, per question: the people counted
    (the survey's total), who answered and who did not, each choice's count and percentage (None
    where hidden), and a number question's median. Who answered a choice question is the total
    less "no answer", so it is shown exactly when "no answer" is."""
    results = public_results_compute(survey)
    if results["withheld"]:
        return {"withheld": True, "total": None, "questions": []}
    total = results["total"]
    questions = []
    for entry in results["questions"]:
        question = entry["question"]
        no_answer = entry["no_answer"]["count"]
        if question.kind == Question.Kind.NUMBER:
            answered = entry["answered"]["count"]
        else:
            answered = None if no_answer is None else total - no_answer
        questions.append(
            {
                "name": question.name,
                "kind": question.kind,
                "text": question.label,
                "total": total,
                "answered": answered,
                "no_answer": no_answer,
                "median": entry.get("median"),
                "choices": entry.get("rows", []),
            }
        )
    return {"withheld": False, "total": total, "questions": questions}
