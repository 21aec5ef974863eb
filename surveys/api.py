"""The surveys API: a survey's definition in a language, responses one at a time or in batches,
and closed surveys' results with small counts hidden.

- `GET surveys/`: the surveys open for answers (public, as the web's index).
- `GET surveys/{slug}/`: a published version's questions, in `?language=` (else Accept-Language).
- `POST surveys/{slug}/responses/` and `…/responses/batch/`: answers an organisation's member
  entered with the respondent's consent; a batch is stored whole or not at all.
- `GET surveys/{slug}/results/`: a closed survey's public numbers, suppressed as on the web.
"""

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import path
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.validators import ProhibitSurrogateCharactersValidator
from rest_framework.views import APIView

from accounts import policy
from accounts.api import IdempotencyKeyParameter, allows, idempotent, submission_key_of
from core.api import ApiError, error_responses
from core.errors import ApplicationError
from core.fields import LazyI18nString
from surveys import selectors, services
from surveys.batch_files import problem_text
from surveys.forms import PLEASE_ANSWER, PROBLEM_MESSAGES, bounds_message
from surveys.models import Question

SlugParameter = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The survey's slug.")
LanguageParameter = OpenApiParameter(
    "language",
    str,
    OpenApiParameter.QUERY,
    enum=[code for code, _name in settings.LANGUAGES],
    description="The language of the texts; without it, Accept-Language. A text missing in it is in English.",
)
VersionParameter = OpenApiParameter(
    "version", int, OpenApiParameter.QUERY, description="A published version's number; the current one without it."
)

NO_NULL, NO_SURROGATE = ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator()
LANGUAGE_ERRORS = {
    "invalid_choice": capfirst(gettext_lazy("write a language code, like es for Spanish or en for English."))
}


# --- reading: language, survey ---


class SurveyReadQuery(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, error_messages=LANGUAGE_ERRORS)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2_147_483_647)


@contextmanager
def _in_language(request):
    """The request's `?language=` (checked), else the language LocaleMiddleware chose."""
    query = SurveyReadQuery(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    language = query.validated_data.get("language")
    with translation.override(language or translation.get_language()):
        yield query.validated_data


def _not_found() -> exceptions.NotFound:
    return exceptions.NotFound()


class NullableDecimal(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=False, **kwargs)


# --- GET surveys/ ---


class SurveyListItemOut(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    version = serializers.IntegerField(help_text="The current published version's number.")
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), help_text="Languages the survey has words in.")


class SurveyListOut(serializers.Serializer):
    language = serializers.CharField()
    results = SurveyListItemOut(many=True)


class SurveyListView(APIView):
    """The surveys open for answers."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="surveys_list",
        parameters=[LanguageParameter],
        responses={200: SurveyListOut, **error_responses(400)},
    )
    def get(self, request):
        with _in_language(request):
            items = selectors.surveys_open_for_api()
            return Response(
                SurveyListOut(
                    {
                        "language": translation.get_language(),
                        "results": [
                            {
                                "slug": item.survey.slug,
                                "title": str(item.survey.title),
                                "version": item.version,
                                "opens_at": item.survey.opens_at,
                                "closes_at": item.survey.closes_at,
                                "languages": selectors.survey_languages(item.survey),
                            }
                            for item in items
                        ],
                    }
                ).data
            )


# --- GET surveys/{slug}/ ---


class SurveyChoiceOut(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class SurveyShowIfOut(serializers.Serializer):
    question = serializers.CharField(help_text="An earlier question's name.")
    value = serializers.CharField(help_text="Asked only when that question's answer is (or includes) this value.")


class SurveyQuestionOut(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Question.Kind.values)
    required = serializers.BooleanField()
    section = serializers.IntegerField(help_text="The page it is on, on the web.")
    text = serializers.CharField()
    help = serializers.CharField()
    choices = SurveyChoiceOut(many=True)
    min = NullableDecimal()
    max = NullableDecimal()
    show_if = SurveyShowIfOut(allow_null=True)


class SurveySectionOut(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()


class SurveyOut(serializers.Serializer):
    slug = serializers.SlugField()
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    is_open = serializers.BooleanField(help_text="Whether answers are taken now.")
    language = serializers.CharField(help_text="The language of the texts.")
    languages = serializers.ListField(child=serializers.CharField())
    title = serializers.CharField()
    description = serializers.CharField()
    document = serializers.CharField(help_text="A document the questions ask about; empty when none.")
    sections = SurveySectionOut(many=True)
    questions = SurveyQuestionOut(many=True)


def _question(question: Question) -> dict:
    rule = question.show_if if isinstance(question.show_if, dict) else None
    return {
        "name": question.name,
        "kind": question.kind,
        "required": question.required,
        "section": question.section,
        "text": str(question.label),
        "help": str(question.hint or ""),
        "choices": [{"value": value, "label": str(label)} for value, label in selectors.question_choices(question)],
        "min": question.min_value,
        "max": question.max_value,
        "show_if": {"question": str(rule.get("question")), "value": str(rule.get("value"))} if rule else None,
    }


class SurveyDetailView(APIView):
    """A survey's questions as published (the current version, or `?version=`), in a language."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="surveys_retrieve",
        parameters=[SlugParameter, LanguageParameter, VersionParameter],
        responses={200: SurveyOut, **error_responses(400, 404)},
    )
    def get(self, request, slug: str):
        with _in_language(request) as query:
            survey = selectors.survey_for_api(request.user, slug)
            if survey is None:
                raise _not_found()
            version, questions = selectors.version_for_api(survey, query.get("version"))
            if version is None:
                raise _not_found()
            sections = sorted((int(n), titles) for n, titles in (version.sections or {}).items() if str(n).isdigit())
            data = {
                "slug": survey.slug,
                "version": version.number,
                "published_at": version.published_at,
                "is_open": selectors.survey_is_open(survey),
                "language": translation.get_language(),
                "languages": selectors.survey_languages(survey),
                "title": str(survey.title),
                "description": str(survey.description or ""),
                "document": str(survey.document or ""),
                "sections": [{"number": n, "title": str(LazyI18nString(t))} for n, t in sections if t],
                "questions": [_question(question) for question in questions],
            }
            return Response(SurveyOut(data).data)


# --- POST surveys/{slug}/responses/ and …/batch/ ---


class SurveyResponseItemIn(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text="A published version; the current one without it.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, error_messages=LANGUAGE_ERRORS, help_text="The language the person answered in."
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text=(
            "Question name → answer: a choice's value (yes/no, 1 to 5), a list of values for a multiple "
            "choice, a number, a date (2026-03-15) or text. An answer to a question its show-if rule "
            "hides is left out."
        ),
    )
    field_office = serializers.CharField(
        required=False, allow_blank=True, max_length=8, help_text="The ICE field office's 3-letter code (HOU)."
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=(
            "Your own id for this response. Sent again for the same survey by the same organization, it "
            "gives the response stored the first time (created: false)."
        ),
    )

    def validate_answers(self, answers: dict) -> dict:
        """No NUL character (PostgreSQL stores none) nor lone surrogate (not UTF-8: no answer
        could hold it, nor an error message repeat it) in a name or a value."""

        def texts(value):
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                for part in value:
                    yield from texts(part)
            elif isinstance(value, dict):
                for key, part in value.items():
                    yield from texts(key)
                    yield from texts(part)

        for text in texts(answers):
            try:
                NO_NULL(text)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None
            NO_SURROGATE(text)  # raises DRF's own ValidationError
        return answers


class SurveyConsentIn(serializers.Serializer):
    respondent_consented = serializers.BooleanField(
        help_text="The person agreed that you enter their answers: must be true."
    )
    organization = serializers.SlugField(
        required=False, help_text="Your organization's slug: needed when you belong to more than one."
    )

    def validate_respondent_consented(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("You can only enter answers when the person agrees."))
        return value


class SurveyResponseIn(SurveyResponseItemIn, SurveyConsentIn):
    pass


class BoundedList(serializers.ListField):
    """A list whose length is checked before its items, so an oversized batch costs nothing."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class SurveyBatchIn(SurveyConsentIn):
    responses = BoundedList(child=SurveyResponseItemIn(), min_length=1, max_length=settings.API_BATCH_MAX)


class SurveyResponseOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The response's number.")
    created = serializers.BooleanField(help_text="False when it was stored before (the same external_id).")


class SurveyBatchItemOut(SurveyResponseOut):
    index = serializers.IntegerField(help_text="Its place in the request, from 0.")


class SurveyBatchOut(serializers.Serializer):
    count = serializers.IntegerField(help_text="Responses in the request.")
    created = serializers.IntegerField(help_text="Responses stored by this request.")
    responses = SurveyBatchItemOut(many=True)


def _collecting(request, slug: str):
    """The survey (404 when the caller may not see it) and the organisations the caller may
    collect answers for on it (403 when none)."""
    survey = selectors.survey_for_api(request.user, slug)
    if survey is None:
        raise _not_found()
    organizations = selectors.organizations_for_runner(request.user, survey)
    if not organizations:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "no_organization",
            _("Your account does not belong to an organization that collects answers for this survey."),
        )
    return survey, organizations


def _organization(organizations: list, chosen: str | None):
    if chosen is None and len(organizations) == 1:
        return organizations[0]
    found = next((o for o in organizations if o.slug == chosen), None)
    if found is None:
        message = _("Choose one of your organizations: %(slugs)s.") % {
            "slugs": ", ".join(o.slug for o in organizations)
        }
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid", message, {"organization": [message]})
    return found


def _answer_message(problem, question: Question | None) -> str:
    if problem.code == "unknown":
        return _("This survey has no question with this name.")
    if problem.code == "required":
        return str(PLEASE_ANSWER)
    if problem.code == "bounds" and question is not None:
        return str(bounds_message(question))
    if problem.code == "type":
        return _("Write this answer as text.")
    return str(PROBLEM_MESSAGES.get(problem.code, PLEASE_ANSWER))


def _item_fields(problems: dict, questions: dict) -> dict:
    """One item's problems as the error's `fields`: {"answers": {name: [message]}, "version": […]…}."""
    fields: dict = {}
    if "version" in problems:
        fields["version"] = [_("This survey has no published version with this number.")]
    if "field_office" in problems:
        fields["field_office"] = [capfirst(problem_text("field_office"))]
    if "external_id" in problems:
        fields["external_id"] = [_("Another response in this request has the same external_id.")]
    if "answers" in problems:
        answers: dict[str, list[str]] = {}
        for problem in problems["answers"]:
            answers.setdefault(problem.question, []).append(_answer_message(problem, questions.get(problem.question)))
        fields["answers"] = answers
    return fields


def _submit(request, survey, organizations, data: dict, items: list[dict], *, batch: bool) -> list[tuple[int, bool]]:
    organization = _organization(organizations, data.get("organization"))
    try:
        return services.api_responses_submit(
            survey=survey,
            items=[
                services.ApiResponseItem(
                    answers=item["answers"],
                    language=item["language"],
                    version=item.get("version"),
                    field_office=item.get("field_office", ""),
                    external_id=item.get("external_id", ""),
                )
                for item in items
            ],
            organization=organization,
            collected_by=request.user,
            respondent_consented=data["respondent_consented"],
            request_key=submission_key_of(request),
        )
    except services.ApiResponsesInvalid as invalid:
        fields = {
            index: _item_fields(problems, invalid.questions.get(index, {}))
            for index, problems in invalid.problems.items()
        }
        if batch:
            body = {"responses": {str(index): item_fields for index, item_fields in sorted(fields.items())}}
        else:
            body = fields[0]
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid", _("Some of the details are not valid."), body) from None
    except ApplicationError as refused:
        if refused.code == "closed":
            raise ApiError(
                status.HTTP_409_CONFLICT, "closed", _("This survey is not open, so no answers can be added to it.")
            ) from None
        if refused.code == "consent":
            message = _("You can only enter answers when the person agrees.")
            raise ApiError(
                status.HTTP_400_BAD_REQUEST, "invalid", message, {"respondent_consented": [message]}
            ) from None
        raise


POST_DESCRIPTION = (
    "Entered by a member of an organization, with the person's consent: channel `api`, counted as "
    "the organization's. Answers are checked as on the web; the errors name each question."
)


class ResponseCreateView(APIView):
    """One response entered for someone."""

    permission_classes = [allows(policy.ORG_PORTAL)]

    @extend_schema(
        operation_id="surveys_responses_create",
        description=POST_DESCRIPTION,
        parameters=[SlugParameter, IdempotencyKeyParameter],
        request=SurveyResponseIn,
        responses={201: SurveyResponseOut, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, slug: str):
        survey, organizations = _collecting(request, slug)
        payload = SurveyResponseIn(data=request.data)
        payload.is_valid(raise_exception=True)
        ((response_id, created),) = _submit(
            request, survey, organizations, payload.validated_data, [payload.validated_data], batch=False
        )
        return Response(SurveyResponseOut({"id": response_id, "created": created}).data, status=status.HTTP_201_CREATED)


class ResponseBatchView(APIView):
    """Many responses at once, stored all together or not at all."""

    permission_classes = [allows(policy.ORG_PORTAL)]

    @extend_schema(
        operation_id="surveys_responses_batch",
        description=(
            POST_DESCRIPTION
            + f" From 1 to {settings.API_BATCH_MAX} responses. Every one is checked first: with any problem, "
            "nothing is stored and the error's fields name each item by its index "
            '(`{"responses": {"3": {"answers": {"age": ["…"]}}}}`).'
        ),
        parameters=[SlugParameter, IdempotencyKeyParameter],
        request=SurveyBatchIn,
        responses={201: SurveyBatchOut, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, slug: str):
        survey, organizations = _collecting(request, slug)
        payload = SurveyBatchIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        stored = _submit(request, survey, organizations, data, data["responses"], batch=True)
        body = {
            "count": len(stored),
            "created": sum(1 for _id, created in stored if created),
            "responses": [
                {"index": index, "id": response_id, "created": created}
                for index, (response_id, created) in enumerate(stored)
            ],
        }
        return Response(SurveyBatchOut(body).data, status=status.HTTP_201_CREATED)


# --- GET surveys/{slug}/results/ ---


class SurveyResultChoiceOut(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="Null when hidden to protect privacy.")
    percent = serializers.IntegerField(allow_null=True, help_text="Of the total; null when the count is hidden.")


class SurveyResultQuestionOut(serializers.Serializer):
    name = serializers.CharField()
    # Only choice and number questions have public numbers.
    kind = serializers.ChoiceField(choices=[*selectors.CHOICE_KINDS, Question.Kind.NUMBER])
    text = serializers.CharField()
    total = serializers.IntegerField(help_text="The people counted: everyone who answered the survey.")
    answered = serializers.IntegerField(allow_null=True, help_text="Null when hidden.")
    no_answer = serializers.IntegerField(allow_null=True, help_text="Null when hidden.")
    median = NullableDecimal(help_text="A number question's middle answer, when each half holds more than 10 people.")
    choices = SurveyResultChoiceOut(many=True)


class SurveyResultsOut(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    language = serializers.CharField()
    withheld = serializers.BooleanField(help_text="True when no number can be shown without a risk to the people.")
    total = serializers.IntegerField(allow_null=True)
    questions = SurveyResultQuestionOut(many=True)


class SurveyResultsView(APIView):
    """A closed survey's public numbers: no count from 1 to 10 is shown, nor one that would let
    such a count be worked out (those are null). Dates and free text are never public."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="surveys_results",
        parameters=[SlugParameter, LanguageParameter],
        responses={200: SurveyResultsOut, **error_responses(400, 404)},
    )
    def get(self, request, slug: str):
        with _in_language(request):
            survey = selectors.survey_public_closed(slug)
            if survey is None:
                found = selectors.survey_by_slug(slug)
                if found is not None and found.audience == found.Audience.PUBLIC and found.status == found.Status.OPEN:
                    raise ApiError(
                        status.HTTP_404_NOT_FOUND,
                        "not_found",
                        _("The results of this survey will be here when the survey closes."),
                    )
                raise _not_found()
            results = selectors.public_results_for_api(survey)
            for question in results["questions"]:
                question["text"] = str(question["text"])
                question["choices"] = [{**choice, "label": str(choice["label"])} for choice in question["choices"]]
            body = {"slug": survey.slug, "title": str(survey.title), "language": translation.get_language(), **results}
            return Response(SurveyResultsOut(body).data)


urlpatterns = [
    path("surveys/", SurveyListView.as_view(), name="survey_list"),
    path("surveys/<slug:slug>/", SurveyDetailView.as_view(), name="survey_detail"),
    path("surveys/<slug:slug>/responses/", ResponseCreateView.as_view(), name="survey_response_create"),
    path("surveys/<slug:slug>/responses/batch/", ResponseBatchView.as_view(), name="survey_response_batch"),
    path("surveys/<slug:slug>/results/", SurveyResultsView.as_view(), name="survey_results"),
]
