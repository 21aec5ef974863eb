"""The complaints API: filing on behalf of a person (organisations), reading their own, and the
status of a receipt (public).

- `POST /api/v1/complaints/`: an organisation's member files for a person, with the consent record;
  the answer carries the person's receipt, the only time it is ever shown.
- `GET /api/v1/complaints/` and `GET /api/v1/complaints/{reference}/`: the organisation's own
  complaints, status and facts only, as codes (what the portal at /work/complaints/ shows).
- `POST /api/v1/status/`: anyone with a receipt, rate-limited like the status page, and told
  exactly what the status page tells. A POST so that the receipt stays out of URLs and logs;
  read-only, so no Idempotency-Key is needed (nor used: it is not a signed-in call).

Staff read complaints elsewhere (/api/v1/staff/complaints/): here they are refused (403).
"""

import re
import uuid
from datetime import UTC, date

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.forms import DateTimeField as DateTimeFormField
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.validators import ProhibitSurrogateCharactersValidator
from rest_framework.views import APIView

from accounts import policy
from accounts.api import IdempotencyKeyParameter, allows, idempotent, submission_key_of
from core.api import ApiError, CursorPagination, StrictFilterSet, error_responses
from core.errors import ApplicationError
from intake import choices, selectors, services
from intake.models import Complaint, ComplaintEvent
from intake.receipts import receipt_digits
from privacy.ratelimit import Limit, over_limit

ORG_MEMBER = allows(policy.ORG_PORTAL)
NOT_FOUND_MESSAGE = gettext_lazy("We could not find a complaint with this number. Check the digits and try again.")
TOO_MANY_TRIES = gettext_lazy("Too many tries. Please wait one hour and try again.")
DATE_IN_FUTURE = gettext_lazy("This date is in the future. Please check it.")
DATE_TOO_OLD = gettext_lazy("Please enter a date after the year 2000.")
COUNT_MESSAGES = {
    "max_value": gettext_lazy("That number looks too large. Please check it."),
    "min_value": gettext_lazy("The number cannot be less than 0."),
    "invalid": gettext_lazy("Write a number, like 3."),
}
EARLIEST = date(2000, 1, 1)


# --- input: a complaint filed on behalf of a person ---


def _codes(choice_list, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choice_list), required=False, max_length=50, **kwargs
    )


def _choice(choice_list, **kwargs) -> serializers.ChoiceField:
    """An optional answer: left out or "" is "not said"."""
    return serializers.ChoiceField(choices=choice_list, required=False, allow_blank=True, default="", **kwargs)


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length)


def _count() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=500, error_messages=COUNT_MESSAGES
    )


def _phone_e164(raw: str) -> str:
    """As the web form reads a phone number (intake.forms.ContactForm.clean_phone)."""
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise serializers.ValidationError(_("This does not look like a phone number. Please check it."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ContactIn(serializers.Serializer):
    """How the person may be reached: a phone number or an email, and whether messages are safe."""

    name = _text(200)
    phone = _text(40)
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)
    preferred_method = _choice(choices.ContactMethod.choices)
    safe_to_message = serializers.BooleanField(
        help_text="Whether it is safe to leave a message or send a text.",
        error_messages={"required": gettext_lazy("Please tell us if it is safe to send you messages.")},
    )
    best_times = _text(200)
    alternate_contact = _text(500)

    def validate_phone(self, value: str) -> str:
        return _phone_e164(value.strip()) if value.strip() else ""

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError({"phone": [_("Give a phone number or an email so we can reach you.")]})
        return attrs


class ConsentIn(serializers.Serializer):
    """The person's consent to this filing, as the advocate obtained it."""

    given = serializers.BooleanField(help_text="Must be true: the person agreed that you file this for them.")
    method = serializers.ChoiceField(choices=choices.ConsentMethod.choices)
    obtained_at = serializers.DateTimeField(help_text="When the person gave their consent; not in the future.")
    obtained_by = serializers.CharField(max_length=200, help_text="The name of the advocate who obtained it.")

    def validate_given(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("To file for someone, you must have their permission. Please confirm it.")
            )
        return value

    def validate_obtained_at(self, value):
        if value > timezone.now() + services.CONSENT_CLOCK_SKEW:
            raise serializers.ValidationError(DATE_IN_FUTURE)
        if value.astimezone(UTC).date() < EARLIEST:
            raise serializers.ValidationError(DATE_TOO_OLD)
        return value


class ComplaintIn(serializers.Serializer):
    """A complaint filed for a person, with the web form's answers as codes (intake.choices)."""

    organization = serializers.SlugField(
        required=False,
        help_text="The slug of your organisation; needed only when you are a member of more than one.",
    )
    consent = ConsentIn()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The person's language: the one Voces writes to them in."
    )
    allegations = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.Allegation.choices),
        allow_empty=False,
        max_length=50,
        error_messages={
            "required": gettext_lazy("Choose at least one thing that happened."),
            "empty": gettext_lazy("Choose at least one thing that happened."),
        },
    )
    urgent_flags = _codes(choices.UrgentFlag.choices, default=list)
    incident_date = serializers.DateField()
    date_is_approximate = serializers.BooleanField(required=False, default=False)
    time_of_day = _choice(choices.TimeOfDay.choices)
    city = _text(100)
    state = serializers.ChoiceField(choices=choices.US_STATES)
    place_type = _choice(choices.PlaceType.choices)
    field_office = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=8,
        help_text="The ICE field office's code, for a state that several offices share; one office is implied.",
    )
    agency = _choice(choices.Agency.choices)
    officer_count = _count()
    officer_names = _text(1000)
    badge_numbers = _text(500)
    vehicle_plates = _text(500)
    markings = _text(1000)
    officers_masked = _choice(choices.Masked.choices)
    body_camera_seen = _choice(choices.YesNoUnknown.choices)
    body_camera_recording = _choice(choices.YesNoUnknown.choices)
    adults_count = _count()
    children_count = _count()
    injuries = _choice(choices.YesNoUnknown.choices)
    injuries_description = _text(2000)
    medical_care = _choice(choices.MedicalCare.choices)
    taken_into_custody = _choice(choices.YesNoUnknown.choices)
    witnesses = _text(1000)
    narrative = serializers.CharField(
        max_length=20000,
        help_text="What happened, in the person's own words.",
        error_messages={
            "required": gettext_lazy("Please tell us what happened, even in a few words."),
            "blank": gettext_lazy("Please tell us what happened, even in a few words."),
        },
    )
    wants = _codes(choices.Want.choices, default=list)
    contact = ContactIn(
        required=False, allow_null=True, default=None, help_text="Left out: the person stays anonymous."
    )
    consent_contact = serializers.BooleanField(required=False, default=False)
    consent_share_oversight = serializers.BooleanField(required=False, default=False)
    consent_statistics = serializers.BooleanField(required=False, default=False)
    age_range = _choice(choices.AgeRange.choices)
    gender = _choice(choices.Gender.choices)
    race_ethnicity = _codes(choices.RaceEthnicity.choices, default=list)

    def validate_incident_date(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError(DATE_IN_FUTURE)
        if value < EARLIEST:
            raise serializers.ValidationError(DATE_TOO_OLD)
        return value

    def validate(self, attrs):
        # The field office, as the web form decides it: the one office of the state, or one of
        # the offices that share it (or none: "I don't know").
        offices = selectors.field_offices_for_state(attrs["state"])
        code = attrs["field_office"].strip().upper()
        if code and code not in {office.code for office in offices}:
            message = serializers.ChoiceField.default_error_messages["invalid_choice"].format(input=code)
            raise serializers.ValidationError({"field_office": [message]})
        attrs["field_office"] = code or (offices[0].code if len(offices) == 1 else "")
        return attrs

    def complaint_input(self, *, organization) -> services.ComplaintInput:
        data = self.validated_data
        contact = data["contact"]
        return services.ComplaintInput(
            filer_role=choices.FilerRole.ADVOCATE,
            language=data["language"],
            allegations=data["allegations"],
            urgent_flags=data["urgent_flags"],
            on_behalf_consent=data["consent"]["given"],
            on_behalf_organization=organization.name,
            incident_date=data["incident_date"],
            date_is_approximate=data["date_is_approximate"],
            time_of_day=data["time_of_day"],
            city=data["city"],
            state=data["state"],
            place_type=data["place_type"],
            field_office_code=data["field_office"],
            agency=data["agency"],
            officer_count=data["officer_count"],
            officer_names=data["officer_names"],
            badge_numbers=data["badge_numbers"],
            vehicle_plates=data["vehicle_plates"],
            markings=data["markings"],
            officers_masked=data["officers_masked"],
            body_camera_seen=data["body_camera_seen"],
            body_camera_recording=data["body_camera_recording"],
            adults_count=data["adults_count"],
            children_count=data["children_count"],
            injuries=data["injuries"],
            injuries_description=data["injuries_description"],
            medical_care=data["medical_care"],
            taken_into_custody=data["taken_into_custody"],
            witnesses=data["witnesses"],
            narrative=data["narrative"],
            wants=data["wants"],
            is_anonymous=contact is None,
            contact=services.ContactInput(**contact) if contact is not None else None,
            consent_contact=contact is not None and data["consent_contact"],
            consent_share_oversight=data["consent_share_oversight"],
            consent_statistics=data["consent_statistics"],
            age_range=data["age_range"],
            gender=data["gender"],
            race_ethnicity=data["race_ethnicity"],
        )

    def consent_record(self) -> services.ConsentRecord:
        consent = self.validated_data["consent"]
        return services.ConsentRecord(
            method=consent["method"], obtained_at=consent["obtained_at"], obtained_by=consent["obtained_by"]
        )


# --- output ---


class ComplaintCreatedOut(serializers.Serializer):
    reference = serializers.CharField()
    receipt = serializers.CharField(
        allow_null=True,
        help_text=(
            "The person's 16-digit receipt, to give to them: shown only in this answer (and its "
            "replay with the same Idempotency-Key). Null when the complaint was filed earlier."
        ),
    )
    status = serializers.ChoiceField(choices=choices.Status.choices)
    created_at = serializers.DateTimeField()


TIMELINE_KINDS = [(ComplaintEvent.Kind.STATUS.value, "status"), (ComplaintEvent.Kind.INFO_ADDED.value, "info_added")]


class TimelineOut(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=TIMELINE_KINDS,
        help_text="status: the complaint moved to `status`; info_added: the filer added information.",
    )
    status = serializers.ChoiceField(choices=choices.Status.choices)
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, allow_blank=True)
    at = serializers.DateTimeField()


def _timeline(complaint) -> list[dict]:
    """The filer's history, oldest first: status changes and information added (as the status page)."""
    shown = (ComplaintEvent.Kind.STATUS, ComplaintEvent.Kind.INFO_ADDED)
    return [
        {"kind": event.kind, "status": event.status, "outcome": event.outcome, "at": event.created_at}
        for event in complaint.timeline_events
        if event.kind in shown
    ]


class ComplaintOut(serializers.Serializer):
    """A complaint of the caller's organisation: its status and structured facts as codes, never
    the person's words, name, contact, witnesses or files."""

    reference = serializers.CharField()
    organization = serializers.CharField(source="organization.slug")
    status = serializers.ChoiceField(choices=choices.Status.choices)
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, allow_blank=True)
    is_urgent = serializers.BooleanField()
    urgent_flags = serializers.ListField(child=serializers.ChoiceField(choices=choices.UrgentFlag.choices))
    allegations = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=choices.Channel.choices)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    filer_role = serializers.ChoiceField(choices=choices.FilerRole.choices)
    incident_date = serializers.DateField(allow_null=True)
    date_is_approximate = serializers.BooleanField()
    time_of_day = serializers.ChoiceField(choices=choices.TimeOfDay.choices, allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    state = serializers.ChoiceField(choices=choices.US_STATES, allow_blank=True)
    place_type = serializers.ChoiceField(choices=choices.PlaceType.choices, allow_blank=True)
    field_office = serializers.CharField(source="field_office.code", allow_null=True)
    agency = serializers.ChoiceField(choices=choices.Agency.choices, allow_blank=True)
    officer_count = serializers.IntegerField(allow_null=True)
    officers_masked = serializers.ChoiceField(choices=choices.Masked.choices, allow_blank=True)
    body_camera_seen = serializers.ChoiceField(choices=choices.YesNoUnknown.choices, allow_blank=True)
    body_camera_recording = serializers.ChoiceField(choices=choices.YesNoUnknown.choices, allow_blank=True)
    adults_count = serializers.IntegerField(allow_null=True)
    children_count = serializers.IntegerField(allow_null=True)
    injuries = serializers.ChoiceField(choices=choices.YesNoUnknown.choices, allow_blank=True)
    medical_care = serializers.ChoiceField(choices=choices.MedicalCare.choices, allow_blank=True)
    taken_into_custody = serializers.ChoiceField(choices=choices.YesNoUnknown.choices, allow_blank=True)
    wants = serializers.ListField(child=serializers.ChoiceField(choices=choices.Want.choices))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=choices.Allegation.choices)))
    def get_allegations(self, complaint) -> list[str]:
        return [allegation.kind for allegation in complaint.allegations.all()]


class ComplaintDetailOut(ComplaintOut):
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(TimelineOut(many=True))
    def get_timeline(self, complaint) -> list[dict]:
        return TimelineOut(_timeline(complaint), many=True).data


# --- the list: filters and cursor pages ---

ORDER_NEWEST = "-created_at"
ORDER_CHANGED = "updated_at"
ORDERINGS = {ORDER_NEWEST: ("-created_at", "-id"), ORDER_CHANGED: ("updated_at", "id")}


def _reasonable_moment(value) -> None:
    """A moment the database can compare (a year 1 or 9999 in a far time zone cannot be put in UTC)."""
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1900 <= year <= 9000:
        raise DjangoValidationError(DateTimeFormField.default_error_messages["invalid"], code="invalid")


class ComplaintFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=choices.Status.choices)
    outcome = filters.ChoiceFilter(choices=choices.Outcome.choices)
    urgent = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_urgent",
        help_text="true: only urgent complaints; false: only the others.",
    )
    allegation = filters.ChoiceFilter(field_name="allegations__kind", choices=choices.Allegation.choices)
    channel = filters.ChoiceFilter(choices=choices.Channel.choices)
    language = filters.ChoiceFilter(choices=settings.LANGUAGES)
    field_office = filters.CharFilter(
        method="filter_field_office",
        validators=[RegexValidator(r"^[A-Za-z]{1,8}$")],
        help_text="An ICE field office's code, like HOU.",
    )
    created_after = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", validators=[_reasonable_moment], help_text="Filed at or after."
    )
    created_before = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", validators=[_reasonable_moment], help_text="Filed before."
    )
    updated_after = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        validators=[_reasonable_moment],
        help_text="Changed at or after: with ordering=updated_at, what changed since a partner's last sync.",
    )
    ordering = filters.ChoiceFilter(
        choices=[(ORDER_NEWEST, ORDER_NEWEST), (ORDER_CHANGED, ORDER_CHANGED)],
        method="filter_ordering",
        empty_label=None,
        help_text="-created_at (newest first, the default) or updated_at (least recently changed first, to sync).",
    )

    def filter_urgent(self, queryset, name, value):
        return queryset.filter(is_urgent=value == "true")

    def filter_field_office(self, queryset, name, value):
        return queryset.filter(field_office__code=value.upper())

    def filter_ordering(self, queryset, name, value):
        return queryset  # the cursor pages order (ComplaintPagination)


POSITION = re.compile(r"[0-9][0-9 :.T+-]{9,40}")  # str() of an aware datetime


class ComplaintPagination(CursorPagination):
    """Newest first, or by last change with ?ordering=updated_at (each its own cursors)."""

    def get_ordering(self, request, queryset, view):
        return ORDERINGS.get(request.query_params.get("ordering"), ORDERINGS[ORDER_NEWEST])


# --- views ---


def _submission_key(request) -> str:
    """The same Idempotency-Key with the same body files one complaint, even after its record of
    the first answer has expired; the key reused for another complaint files that one too."""
    key = submission_key_of(request)
    return f"api:{key[:60]}" if key else f"api:{uuid.uuid4().hex}"


def _filing_organization(user, slug: str | None):
    """The organisation a member files for: the one they belong to, or the one they name."""
    organizations = selectors.filing_organizations(user)
    if not organizations:
        raise ApiError(
            status.HTTP_403_FORBIDDEN, "no_organization", _("Your account is not a member of an active organization.")
        )
    if slug:
        organization = next((o for o in organizations if o.slug == slug), None)
        if organization is None:
            message = _("You are not a member of this organization.")
            raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid", message, {"organization": [message]})
        return organization
    if len(organizations) > 1:
        message = _("You are a member of several organizations: say which one this complaint is for.")
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid", message, {"organization": [message]})
    return organizations[0]


@method_decorator(never_cache, name="dispatch")
class ComplaintsView(generics.ListAPIView):
    """The organisation's complaints (GET) and a new one filed for a person (POST)."""

    permission_classes = [ORG_MEMBER]
    serializer_class = ComplaintOut
    pagination_class = ComplaintPagination
    filterset_class = ComplaintFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generator: no one is calling
            return Complaint.objects.none()
        return selectors.organization_complaints_api(self.request.user)

    @extend_schema(
        operation_id="complaints_list",
        summary="Your organisation's complaints",
        responses={200: ComplaintOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="complaints_create",
        summary="File a complaint on behalf of a person, with their consent",
        parameters=[IdempotencyKeyParameter],
        request=ComplaintIn,
        responses={
            201: ComplaintCreatedOut,
            200: ComplaintCreatedOut,
            **error_responses(400, 409, 422),
        },
    )
    @idempotent
    def post(self, request):
        given = ComplaintIn(data=request.data)
        given.is_valid(raise_exception=True)
        organization = _filing_organization(request.user, given.validated_data.get("organization"))
        try:
            result = services.complaint_submit_on_behalf(
                data=given.complaint_input(organization=organization),
                consent=given.consent_record(),
                organization=organization,
                filed_by=request.user,
                submission_key=_submission_key(request),
            )
        except ApplicationError as problem:
            if problem.code != "consent":
                raise
            message = _("To file for someone, you must have their permission. Please confirm it.")
            raise ApiError(status.HTTP_400_BAD_REQUEST, "consent", message, {"consent": [message]}) from None
        complaint = result.complaint
        answer = {
            "reference": complaint.reference,
            "receipt": result.receipt if result.created else None,
            "status": complaint.status,
            "created_at": complaint.created_at,
        }
        return Response(
            ComplaintCreatedOut(answer).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


@method_decorator(never_cache, name="dispatch")
class ComplaintDetailView(APIView):
    """One of the organisation's complaints with its history; any other is not found."""

    permission_classes = [ORG_MEMBER]

    @extend_schema(
        operation_id="complaints_retrieve",
        summary="One of your organisation's complaints",
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="Like C-000123.")],
        responses={200: ComplaintDetailOut, **error_responses(404)},
    )
    def get(self, request, reference: str):
        complaint = selectors.organization_complaint_api(request.user, reference)
        if complaint is None:
            raise exceptions.NotFound()  # another organisation's is answered exactly like a missing one
        return Response(ComplaintDetailOut(complaint).data)


class ReceiptField(serializers.CharField):
    """Whatever was typed: a wrong number and a malformed one are answered alike (404)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator)
        ]


class StatusIn(serializers.Serializer):
    receipt = ReceiptField(allow_blank=True, help_text="The 16 digits the person got when the complaint was sent.")


PENDING = "pending"


class StatusOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[*choices.Status.choices, (PENDING, PENDING)],
        help_text="pending: received, and filed within minutes.",
    )
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, allow_blank=True)
    timeline = TimelineOut(many=True)


@method_decorator(never_cache, name="dispatch")
class StatusView(APIView):
    """The status of a complaint by its receipt: what the public status page shows, no more."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="status_lookup",
        summary="The status of a complaint, by its receipt",
        auth=[],
        request=StatusIn,
        responses={200: StatusOut, **error_responses(400, 404)},
    )
    def post(self, request):
        given = StatusIn(data=request.data)
        given.is_valid(raise_exception=True)
        value = given.validated_data["receipt"]
        # The web status page's limits (intake.views._lookup), counted for every number tried.
        if over_limit(
            request,
            Limit("status-client", settings.STATUS_LOOKUP_RATE_PER_CLIENT),
            Limit("status-receipt", settings.STATUS_LOOKUP_RATE_PER_RECEIPT, value=receipt_digits(value)),
        ):
            raise ApiError(status.HTTP_429_TOO_MANY_REQUESTS, "throttled", str(TOO_MANY_TRIES), wait=3600)
        complaint = selectors.complaint_by_receipt(value)
        if complaint is None:
            if selectors.receipt_is_pending(value):
                return Response(StatusOut({"status": PENDING, "outcome": "", "timeline": []}).data)
            raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", str(NOT_FOUND_MESSAGE))
        answer = {"status": complaint.status, "outcome": complaint.outcome, "timeline": _timeline(complaint)}
        return Response(StatusOut(answer).data)


urlpatterns = [
    path("complaints/", ComplaintsView.as_view(), name="complaint_list"),
    path("complaints/<str:reference>/", ComplaintDetailView.as_view(), name="complaint_detail"),
    path("status/", StatusView.as_view(), name="status_lookup"),
]
