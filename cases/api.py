"""The staff API: complaints (with the web's masking and audit), incidents and footage requests."""

from datetime import UTC, datetime

import django_filters
import django_filters.rest_framework
from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts import policy
from accounts.api import IdempotencyKeyParameter, allows, idempotent
from cases import selectors, services, workflow
from cases.models import ContactAttempt, FootageRequest, RedactionItem, Referral
from cases.selectors import QUEUE_ANY_STATUS
from cases.views import COMPLAINT_MOVE_ERRORS
from core.api import ApiError, CursorPagination, StrictFilterSet, error_responses
from core.errors import ApplicationError
from intake import choices as intake_choices
from intake.choices import Agency
from intake.models import Complaint, ComplaintEvent
from intake.selectors import COMPLAINT_REFERENCE
from intake.services import complaint_change_status

# --- staff complaints ---

COMPLAINT_PARAMETER = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The complaint's reference, e.g. C-000123."
)
QUEUE_CURSOR_SALT = "cases.api.queue_cursor"
_BIGINT = 2**63 - 1
# intake's workflow service speaks to filers' channels; staff read the staff pages' words instead.
COMPLAINT_REFUSALS = {
    "stale": (status.HTTP_409_CONFLICT, COMPLAINT_MOVE_ERRORS["stale"]),
    "transition": (status.HTTP_409_CONFLICT, COMPLAINT_MOVE_ERRORS["transition"]),
    "outcome": (status.HTTP_400_BAD_REQUEST, COMPLAINT_MOVE_ERRORS["outcome"]),
}
# The field a refusal is about, for `fields` in the error.
REFUSAL_FIELDS = {"outcome": "outcome", "reason": "reason", "assignee": "assignee"}
REFUSAL_STATUS = {"permission": status.HTTP_403_FORBIDDEN, "no_contact": status.HTTP_409_CONFLICT}
FILTER_TIMES = [
    MinValueValidator(
        datetime(2000, 1, 1, tzinfo=UTC), message=gettext_lazy("Check the year: dates before 2000 are not accepted.")
    ),
    MaxValueValidator(
        datetime(2999, 12, 31, tzinfo=UTC), message=gettext_lazy("Check the year: that date is too far ahead.")
    ),
]


def _refused(error: ApplicationError) -> ApiError:
    """A service's refusal as the API's error, in the caller's language."""
    code, message = error.code, error.message
    answer = REFUSAL_STATUS.get(code, status.HTTP_400_BAD_REQUEST)
    if code in COMPLAINT_REFUSALS:
        answer, message = COMPLAINT_REFUSALS[code]
    message = str(message)
    field = REFUSAL_FIELDS.get(code)
    return ApiError(answer, code, message, {field: [message]} if field else {})


def _complaint_or_404(reference: str) -> Complaint:
    found = None
    if COMPLAINT_REFERENCE.fullmatch(reference):
        found = Complaint.objects.only("id", "reference", "status", "version").filter(reference=reference).first()
    if found is None:
        raise exceptions.NotFound()
    return found


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A code that is "" when unset in the database, null in the answer."""

    def get_attribute(self, instance):
        return super().get_attribute(instance) or None


class AllegationsField(serializers.ListField):
    child = serializers.ChoiceField(choices=intake_choices.Allegation.choices)

    def get_attribute(self, instance):
        return [allegation.kind for allegation in instance.allegations.all()]


class StaffComplaintItem(serializers.Serializer):
    """One complaint in the queue: structured facts only."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=intake_choices.Status.choices)
    outcome = BlankAsNullChoiceField(choices=intake_choices.Outcome.choices, allow_null=True)
    version = serializers.IntegerField()
    is_urgent = serializers.BooleanField()
    urgent_flags = serializers.ListField(child=serializers.ChoiceField(choices=intake_choices.UrgentFlag.choices))
    needs_interpreter = serializers.BooleanField()
    allegations = AllegationsField()
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    channel = serializers.ChoiceField(choices=intake_choices.Channel.choices)
    filer_role = serializers.ChoiceField(choices=intake_choices.FilerRole.choices)
    field_office = serializers.CharField(source="field_office_code", allow_null=True)
    organization = serializers.CharField(source="organization_slug", allow_null=True)
    assignee = serializers.CharField(source="assignee_username", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    ack_due_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, complaint) -> bool:
        return selectors.complaint_is_overdue(complaint)


class StaffComplaintFilter(StrictFilterSet):
    """The queue's filters. Without `status`, every complaint but the closed ones."""

    status = django_filters.ChoiceFilter(
        choices=[(QUEUE_ANY_STATUS, QUEUE_ANY_STATUS), *intake_choices.Status.choices],
        help_text='One status, or "any"; without it, every status but closed.',
    )
    urgent = django_filters.BooleanFilter(help_text="Urgent ones only (true) or none of them (false).")
    overdue = django_filters.BooleanFilter(help_text="Not acknowledged in time (true), or the others (false).")
    needs_interpreter = django_filters.BooleanFilter()
    allegation = django_filters.ChoiceFilter(choices=intake_choices.Allegation.choices)
    field_office = django_filters.CharFilter(max_length=8, help_text="A field office's code, e.g. MIA.")
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)
    channel = django_filters.ChoiceFilter(choices=intake_choices.Channel.choices)
    assignee = django_filters.CharFilter(
        max_length=150, help_text='"me", "none" (unassigned), or a staff member\'s id or username.'
    )
    caller_language = django_filters.CharFilter(
        max_length=60, help_text="A language staff wrote down from a call's recording, e.g. Mam."
    )
    created_after = django_filters.IsoDateTimeFilter(validators=FILTER_TIMES)
    created_before = django_filters.IsoDateTimeFilter(validators=FILTER_TIMES)
    updated_after = django_filters.IsoDateTimeFilter(validators=FILTER_TIMES)

    def filter_queryset(self, queryset):
        # The queue's own selector applies them all (the view's queryset is its unfiltered call).
        data = self.form.cleaned_data
        filters = selectors.ComplaintApiFilters(
            status=data["status"] or "",
            urgent=data["urgent"],
            overdue=data["overdue"],
            needs_interpreter=data["needs_interpreter"],
            allegation=data["allegation"] or "",
            field_office=data["field_office"] or "",
            language=data["language"] or "",
            channel=data["channel"] or "",
            assignee=data["assignee"] or "",
            caller_language=data["caller_language"] or "",
            created_after=data["created_after"],
            created_before=data["created_before"],
            updated_after=data["updated_after"],
        )
        return selectors.complaints_for_api(filters, user=self.request.user)


class QueueCursorPagination(CursorPagination):
    """The queue's order (urgent first, then oldest) in keyset pages: a cursor carries the
    (queue_rank, created_at, id) of the row it starts after (or before, going back), so a deep
    page costs what the first does, and a complaint filed meanwhile is neither shown twice nor
    skipped. Cursors are signed: an edited one is refused like DRF's (404)."""

    ordering = ("queue_rank", "created_at", "id")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = size = self.get_page_size(request)
        backwards, key = self._decode(request.query_params.get(self.cursor_query_param))
        rows = selectors.complaints_api_page(queryset, key=key, backwards=backwards, limit=size + 1)
        more = len(rows) > size
        rows = rows[1:] if more and backwards else rows[:size]
        first, last = (selectors.queue_key(rows[0]), selectors.queue_key(rows[-1])) if rows else (None, None)
        if backwards:
            self._previous, self._next = (first if more else None), last
        else:
            self._previous, self._next = (first if key is not None else None), (last if more else None)
        return rows

    def get_next_link(self):
        return self._link(False, self._next)

    def get_previous_link(self):
        return self._link(True, self._previous)

    def _link(self, backwards: bool, key) -> str | None:
        if key is None:
            return None
        rank, created_at, pk = key
        token = signing.dumps(["p" if backwards else "n", rank, created_at.isoformat(), pk], salt=QUEUE_CURSOR_SALT)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def _decode(self, token: str | None):
        if not token:
            return False, None
        try:
            direction, rank, created_at, pk = signing.loads(token, salt=QUEUE_CURSOR_SALT)
            when = datetime.fromisoformat(created_at)
        except (signing.BadSignature, TypeError, ValueError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None
        numbers_ok = all(type(n) is int and abs(n) <= _BIGINT for n in (rank, pk))
        if direction not in ("n", "p") or not numbers_ok or when.tzinfo is None:
            raise exceptions.NotFound(self.invalid_cursor_message)
        return direction == "p", (rank, when, pk)


class StaffComplaintListView(generics.ListAPIView):
    """The triage queue: urgent first, then oldest; open complaints unless `status` says otherwise."""

    permission_classes = [allows(policy.STAFF_VIEW)]
    serializer_class = StaffComplaintItem
    pagination_class = QueueCursorPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = StaffComplaintFilter

    def get_queryset(self):
        return selectors.complaints_for_api(selectors.ComplaintApiFilters(), user=self.request.user)

    @extend_schema(
        operation_id="staff_complaint_list", responses={200: StaffComplaintItem(many=True), **error_responses(400, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffComplaintContact(serializers.Serializer):
    """Masked as on the staff page: which details there are and the phone's last digits, for those
    who work on cases; only that there are some, for anyone else (auditors)."""

    on_file = serializers.BooleanField()
    name = serializers.BooleanField(required=False, help_text="A name is on file.")
    phone = serializers.CharField(required=False, help_text='Masked, e.g. "•••• 34"; "" when none.')
    email = serializers.BooleanField(required=False, help_text="An email address is on file.")
    best_times = serializers.BooleanField(required=False)
    alternate_contact = serializers.BooleanField(required=False)
    preferred_method = serializers.ChoiceField(
        choices=intake_choices.ContactMethod.choices, allow_null=True, required=False
    )
    safe_to_message = serializers.BooleanField(required=False)


class StaffComplaintFilerNote(serializers.Serializer):
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class StaffComplaintFile(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=intake_choices.AttachmentKind.choices)
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class StaffComplaintWords(serializers.Serializer):
    """The filer's own words and files, for those who may read them (never auditors)."""

    narrative = serializers.CharField()
    injuries_description = serializers.CharField()
    witnesses = serializers.CharField()
    officer_names = serializers.CharField()
    badge_numbers = serializers.CharField()
    vehicle_plates = serializers.CharField()
    markings = serializers.CharField()
    filer_notes = StaffComplaintFilerNote(many=True, help_text="Added later by the filer.")
    files = StaffComplaintFile(many=True, source="attachments")


TIMELINE_KINDS = [*ComplaintEvent.Kind.values, "note", "contact_attempt", "referral"]


class StaffComplaintTimelineItem(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=[(kind, kind) for kind in TIMELINE_KINDS])
    actor = serializers.CharField(allow_null=True, help_text="The staff member's username; null for the filer.")
    status = serializers.ChoiceField(choices=intake_choices.Status.choices, allow_null=True)
    outcome = serializers.ChoiceField(choices=intake_choices.Outcome.choices, allow_null=True)
    method = serializers.ChoiceField(choices=ContactAttempt.Method.choices, allow_null=True)
    result = serializers.ChoiceField(choices=ContactAttempt.Result.choices, allow_null=True)
    body = serializers.ChoiceField(choices=Referral.Body.choices, allow_null=True)
    text = serializers.CharField(
        allow_null=True,
        help_text="A note's words (staff's, or a contact attempt's): null without the right to read them.",
    )


class StaffComplaintReferral(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.ChoiceField(choices=Referral.Body.choices)
    body_other = serializers.CharField()
    external_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    sent_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username")


class StaffComplaintDetail(StaffComplaintItem):
    """A complaint's facts as its staff page shows them."""

    merged_into = serializers.CharField(source="merged_into_reference", allow_null=True)
    duplicates = serializers.SerializerMethodField()
    on_behalf_organization = serializers.CharField()
    wants = serializers.ListField(child=serializers.ChoiceField(choices=intake_choices.Want.choices))
    incident_date = serializers.DateField(allow_null=True)
    date_is_approximate = serializers.BooleanField()
    time_of_day = BlankAsNullChoiceField(choices=intake_choices.TimeOfDay.choices, allow_null=True)
    city = serializers.CharField()
    state = serializers.CharField()
    place_type = BlankAsNullChoiceField(choices=intake_choices.PlaceType.choices, allow_null=True)
    agency = BlankAsNullChoiceField(choices=intake_choices.Agency.choices, allow_null=True)
    officer_count = serializers.IntegerField(allow_null=True)
    officers_masked = BlankAsNullChoiceField(choices=intake_choices.Masked.choices, allow_null=True)
    body_camera_seen = BlankAsNullChoiceField(choices=intake_choices.YesNoUnknown.choices, allow_null=True)
    body_camera_recording = BlankAsNullChoiceField(choices=intake_choices.YesNoUnknown.choices, allow_null=True)
    adults_count = serializers.IntegerField(allow_null=True)
    children_count = serializers.IntegerField(allow_null=True)
    injuries = BlankAsNullChoiceField(choices=intake_choices.YesNoUnknown.choices, allow_null=True)
    medical_care = BlankAsNullChoiceField(choices=intake_choices.MedicalCare.choices, allow_null=True)
    taken_into_custody = BlankAsNullChoiceField(choices=intake_choices.YesNoUnknown.choices, allow_null=True)
    contact = serializers.SerializerMethodField()
    words = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()
    footage_requests = serializers.SerializerMethodField()
    referrals = StaffComplaintReferral(many=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_duplicates(self, complaint) -> list[str]:
        return [duplicate.reference for duplicate in complaint.duplicates.all()]

    @extend_schema_field(StaffComplaintContact(allow_null=True))
    def get_contact(self, complaint) -> dict | None:
        contact = selectors.complaint_contact(complaint)
        shown = selectors.contact_for_page(contact, detailed=self.context["detailed"])
        if shown is None:
            return None
        if "preferred_method" in shown:  # the page's label; the API gives the code
            shown["preferred_method"] = contact.preferred_method or None
        return {"on_file": True, **shown}

    @extend_schema_field(StaffComplaintWords(allow_null=True))
    def get_words(self, complaint) -> dict | None:
        if not self.context["words"]:
            return None
        return StaffComplaintWords(complaint).data

    @extend_schema_field(StaffComplaintTimelineItem(many=True))
    def get_timeline(self, complaint) -> list[dict]:
        words = self.context["words"]
        rows = []
        for row in selectors.complaint_timeline(complaint):
            item, kind = row["item"], row["kind"]
            entry = dict.fromkeys(("status", "outcome", "method", "result", "body", "text"))
            entry |= {"at": row["at"], "kind": kind, "actor": row["who"].username if row["who"] else None}
            if kind == "note":
                entry["text"] = item.text if words else None
            elif kind == "contact_attempt":
                entry |= {"method": item.method, "result": item.result, "text": (item.note or None) if words else None}
            elif kind == "referral":
                entry["body"] = item.body
            else:
                entry |= {"status": item.status, "outcome": item.outcome or None}
            rows.append(entry)
        return StaffComplaintTimelineItem(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_incidents(self, complaint) -> list[str]:
        return [incident.reference for incident in complaint.incidents.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_footage_requests(self, complaint) -> list[str]:
        return [request.reference for request in complaint.footage_requests.all()]


class StaffComplaintDetailView(APIView):
    permission_classes = [allows(policy.STAFF_VIEW)]

    @extend_schema(
        operation_id="staff_complaint_detail",
        parameters=[COMPLAINT_PARAMETER],
        responses={200: StaffComplaintDetail, **error_responses(404)},
    )
    def get(self, request, reference: str):
        """A complaint, its contact masked; the filer's words (`words`) only for those who work on
        cases, null for auditors."""
        words = policy.allowed(request.user, policy.CASE_READ_WORDS)
        found = selectors.complaint_for_api(reference, words=words)
        if found is None:
            raise exceptions.NotFound()
        detailed = words or policy.allowed(request.user, policy.PII_REVEAL)
        response = Response(StaffComplaintDetail(found, context={"words": words, "detailed": detailed}).data)
        add_never_cache_headers(response)
        return response


class StaffComplaintRevealIn(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Why you need the details, in a few words (audited)."
    )


class StaffComplaintRevealOut(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    best_times = serializers.CharField()
    alternate_contact = serializers.CharField()


class StaffComplaintRevealView(APIView):
    permission_classes = [allows(policy.PII_REVEAL)]

    @extend_schema(
        operation_id="staff_complaint_reveal",
        parameters=[COMPLAINT_PARAMETER],
        request=StaffComplaintRevealIn,
        responses={200: StaffComplaintRevealOut, **error_responses(400, 404, 409)},
    )
    def post(self, request, reference: str):
        """The filer's contact details in clear, for this answer only; the reason goes to the audit
        log (`complaint.pii_revealed`). Never replayed from an Idempotency-Key: every reveal is
        audited, and a repeat has no other effect."""
        found = _complaint_or_404(reference)
        data = _valid(StaffComplaintRevealIn, request)
        try:
            revealed = services.complaint_reveal(complaint=found, actor=request.user, reason=data["reason"])
        except ApplicationError as error:
            raise _refused(error) from None
        response = Response(StaffComplaintRevealOut(revealed).data)
        add_never_cache_headers(response)
        return response


class StaffComplaintStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=intake_choices.Status.choices)
    outcome = serializers.ChoiceField(
        choices=intake_choices.Outcome.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Required to close.",
    )
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The version you last read.")


class StaffComplaintStatusOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=intake_choices.Status.choices)
    outcome = BlankAsNullChoiceField(choices=intake_choices.Outcome.choices, allow_null=True)
    version = serializers.IntegerField()


class StaffComplaintStatusView(APIView):
    permission_classes = [allows(policy.CASE_EDIT)]

    @extend_schema(
        operation_id="staff_complaint_status",
        parameters=[COMPLAINT_PARAMETER, IdempotencyKeyParameter],
        request=StaffComplaintStatusIn,
        responses={200: StaffComplaintStatusOut, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, reference: str):
        """Moves the complaint along the workflow: 409 `stale` when someone changed it since
        `version`, 409 `transition` when the workflow does not allow the move."""
        found = _complaint_or_404(reference)
        data = _valid(StaffComplaintStatusIn, request)
        try:
            moved = complaint_change_status(
                complaint=found,
                status=data["status"],
                outcome=data.get("outcome") or "",
                actor=request.user,
                version=data["version"],
            )
        except ApplicationError as error:
            raise _refused(error) from None
        return Response(StaffComplaintStatusOut(moved).data)


class StaffComplaintAssignIn(serializers.Serializer):
    assignee = serializers.CharField(
        max_length=150,
        allow_null=True,
        allow_blank=True,
        help_text='"me", "none" or null (nobody), or a staff member\'s id or username.',
    )
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The version you last read.")


class StaffComplaintAssignOut(serializers.Serializer):
    reference = serializers.CharField()
    assignee = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class StaffComplaintAssignView(APIView):
    permission_classes = [allows(policy.CASE_ASSIGN_SELF)]

    @extend_schema(
        operation_id="staff_complaint_assign",
        parameters=[COMPLAINT_PARAMETER, IdempotencyKeyParameter],
        request=StaffComplaintAssignIn,
        responses={200: StaffComplaintAssignOut, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, reference: str):
        """Takes the complaint or gives it back; supervisors and admins assign anyone's to anyone."""
        found = _complaint_or_404(reference)
        data = _valid(StaffComplaintAssignIn, request)
        try:
            assignee = selectors.staff_member_by_handle(data["assignee"], me=request.user)
        except LookupError:
            message = str(_("Choose a staff member from the list."))
            raise ApiError(status.HTTP_400_BAD_REQUEST, "assignee", message, {"assignee": [message]}) from None
        try:
            assigned = services.complaint_assign(
                complaint=found, assignee=assignee, actor=request.user, version=data["version"]
            )
        except ApplicationError as error:
            raise _refused(error) from None
        answer = {"reference": assigned.reference, "assignee": assignee.username if assignee else None}
        return Response(StaffComplaintAssignOut({**answer, "version": assigned.version}).data)


complaint_urlpatterns: list = [
    path("staff/complaints/", StaffComplaintListView.as_view(), name="staff_complaint_list"),
    path("staff/complaints/<str:reference>/", StaffComplaintDetailView.as_view(), name="staff_complaint_detail"),
    path("staff/complaints/<str:reference>/reveal/", StaffComplaintRevealView.as_view(), name="staff_complaint_reveal"),
    path("staff/complaints/<str:reference>/status/", StaffComplaintStatusView.as_view(), name="staff_complaint_status"),
    path("staff/complaints/<str:reference>/assign/", StaffComplaintAssignView.as_view(), name="staff_complaint_assign"),
]

# --- incidents and footage requests ---

REFERENCE_PARAMETER = OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. IN-000045, FR-000017")


class _Code(serializers.ChoiceField):
    """A code from a fixed list, null where none is set (the database keeps "")."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, allow_null=True, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class _FieldOfficeCode(serializers.CharField):
    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class _References(serializers.ListField):
    """The references of related rows (prefetched)."""

    child = serializers.CharField()

    def to_representation(self, data):
        return [row.reference for row in data.all()]


class IncidentQuery(serializers.Serializer):
    field_office = _FieldOfficeCode(required=False, max_length=16, help_text="An ICE field office's code, e.g. MIA.")
    state = serializers.CharField(required=False, max_length=2, help_text="Two letters, e.g. TX.")
    city = serializers.CharField(required=False, max_length=100)
    date_from = serializers.DateField(required=False, help_text="Incidents whose window ends on or after this day.")
    date_to = serializers.DateField(required=False, help_text="Incidents whose window starts on or before this day.")
    tag = serializers.CharField(required=False, max_length=40)
    include_merged = serializers.BooleanField(
        required=False, default=False, help_text="Also incidents merged into another one."
    )


class IncidentOut(serializers.Serializer):
    reference = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    city = serializers.CharField()
    state = serializers.CharField()
    field_office = serializers.CharField(source="field_office.code", allow_null=True, default=None)
    agency = _Code(Agency.choices)
    summary = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    complaints = _References(help_text="Its complaints' references.")
    footage_requests = _References(help_text="Its footage requests' references.")
    merged_into = serializers.CharField(source="merged_into.reference", allow_null=True, default=None)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="The last change the audit log recorded, else created_at.")

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="Staff's summary; null for auditors, who never read it.")
    )
    def get_summary(self, incident) -> str | None:
        return incident.summary if self.context["with_summary"] else None


def _reads_words(user) -> bool:
    return policy.allowed(user, policy.CASE_READ_WORDS)


class IncidentListView(generics.ListAPIView):
    """Incidents, newest first; merged ones only with include_merged."""

    permission_classes = [allows(policy.STAFF_VIEW)]
    serializer_class = IncidentOut
    filter_backends: list = []  # IncidentQuery's filters, applied by the selector

    def get_queryset(self):
        query = IncidentQuery(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return selectors.incidents_for_api(with_summary=_reads_words(self.request.user), **query.validated_data)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_summary": _reads_words(self.request.user)}

    @extend_schema(
        operation_id="staff_incident_list",
        parameters=[IncidentQuery],
        responses={200: IncidentOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class IncidentDetailView(APIView):
    permission_classes = [allows(policy.STAFF_VIEW)]

    @extend_schema(
        operation_id="staff_incident_detail",
        parameters=[REFERENCE_PARAMETER],
        responses={200: IncidentOut, **error_responses(404)},
    )
    def get(self, request, reference: str):
        with_summary = _reads_words(request.user)
        found = selectors.incident_for_api(reference, with_summary=with_summary)
        if found is None:
            raise NotFound(_("There is no incident with this reference."))
        return Response(IncidentOut(found, context={"with_summary": with_summary}).data)


class FootageQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=FootageRequest.Status.choices, required=False)
    requester_type = serializers.ChoiceField(choices=FootageRequest.Requester.choices, required=False)
    expedited = serializers.BooleanField(required=False, help_text="Whether fast processing was asked for.")
    overdue = serializers.BooleanField(
        required=False, help_text="true: only requests whose response is overdue; false: only those that are not."
    )
    due_before = serializers.DateField(
        required=False, help_text="Requests whose response is due before this day (their clock running)."
    )
    field_office = _FieldOfficeCode(
        required=False, max_length=16, help_text="The field office of the request's incident or complaint."
    )
    incident = serializers.CharField(required=False, max_length=16, help_text="An incident's reference.")
    complaint = serializers.CharField(required=False, max_length=16, help_text="A complaint's reference.")


class FootagePauseOut(serializers.Serializer):
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class FootageChecklistOut(serializers.Serializer):
    item = serializers.ChoiceField(choices=RedactionItem.Item.choices)
    state = serializers.ChoiceField(choices=RedactionItem.State.choices)
    reviewer = serializers.CharField(source="reviewer_username", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class FootageClockOut(serializers.Serializer):
    running = serializers.BooleanField(help_text="No decision yet: the legal clock runs (or is paused).")
    days_left = serializers.IntegerField(
        allow_null=True, help_text="Working days until the response is due; negative once overdue."
    )
    overdue = serializers.BooleanField()
    paused = serializers.BooleanField(help_text="Waiting on the requester: no due date meanwhile.")
    extended = serializers.BooleanField(help_text="10 more working days, with written notice.")
    extended_on = serializers.DateField(allow_null=True)


class FootageExpeditedOut(serializers.Serializer):
    requested = serializers.BooleanField()
    ground = _Code(FootageRequest.ExpeditedGround.choices)
    granted = serializers.BooleanField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)


class FootageHoldOut(serializers.Serializer):
    issued_on = serializers.DateField()
    until = serializers.DateField()
    days_left = serializers.IntegerField(help_text="Calendar days; negative once lapsed.")


class FootageRequestOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=FootageRequest.Status.choices)
    requester_type = serializers.ChoiceField(choices=FootageRequest.Requester.choices)
    legal_basis = serializers.ChoiceField(choices=FootageRequest.Basis.choices)
    language = serializers.CharField(help_text="The requester's language, for letters.")
    incident = serializers.CharField(source="incident_reference", allow_null=True)
    complaint = serializers.CharField(source="complaint_reference", allow_null=True)
    received_on = serializers.DateField()
    perfected_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(source="due", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True, help_text="The first decision (release, denial, …).")
    clock = serializers.SerializerMethodField()
    expedited = serializers.SerializerMethodField()
    hold = serializers.SerializerMethodField()
    no_footage_reason = _Code(FootageRequest.NoFootage.choices)
    exemptions = serializers.ListField(child=serializers.ChoiceField(choices=workflow.EXEMPTIONS))
    checklist = FootageChecklistOut(many=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="The last change the audit log recorded, else created_at.")

    @extend_schema_field(FootageClockOut)
    def get_clock(self, request):
        return FootageClockOut(
            {
                "running": request.status in workflow.CLOCK_RUNNING,
                "days_left": request.days_left,
                "overdue": request.is_overdue,
                "paused": request.paused,
                "extended": request.extended_on is not None,
                "extended_on": request.extended_on,
            }
        ).data

    @extend_schema_field(FootageExpeditedOut)
    def get_expedited(self, request):
        return FootageExpeditedOut(
            {
                "requested": request.expedited_requested,
                "ground": request.expedited_ground,
                "granted": request.expedited_granted,
                "decision_due_on": request.expedited_due,
            }
        ).data

    @extend_schema_field(FootageHoldOut)
    def get_hold(self, request):
        return FootageHoldOut(
            {"issued_on": request.hold_issued_on, "until": request.hold_until, "days_left": request.hold_days_left}
        ).data


class FootageEventOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=FootageRequest.Status.choices)
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username", allow_null=True)


class FootageRequestDetailOut(FootageRequestOut):
    pauses = FootagePauseOut(many=True, source="pauses.all")
    history = FootageEventOut(many=True)
    prepared_by = serializers.CharField(source="prepared_by_username", allow_null=True)
    approved_by = serializers.CharField(
        source="approved_by_username", allow_null=True, help_text="The second reviewer of a release."
    )


class FootageListView(generics.ListAPIView):
    """Footage requests, newest first, without the requester's details."""

    permission_classes = [allows(policy.STAFF_VIEW)]
    serializer_class = FootageRequestOut
    filter_backends: list = []  # FootageQuery's filters, applied by the selector

    def get_queryset(self):
        query = FootageQuery(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return selectors.footage_for_api(today=timezone.localdate(), **query.validated_data)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.footage_api_prepare(page, today=timezone.localdate())

    @extend_schema(
        operation_id="staff_footage_request_list",
        parameters=[FootageQuery],
        responses={200: FootageRequestOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _footage_not_found():
    return NotFound(_("There is no footage request with this reference."))


class FootageDetailView(APIView):
    """One footage request, without the requester's details (see reveal)."""

    permission_classes = [allows(policy.STAFF_VIEW)]

    @extend_schema(
        operation_id="staff_footage_request_detail",
        parameters=[REFERENCE_PARAMETER],
        responses={200: FootageRequestDetailOut, **error_responses(404)},
    )
    def get(self, request, reference: str):
        found = selectors.footage_for_api_detail(reference)
        if found is None:
            raise _footage_not_found()
        selectors.footage_api_prepare([found], today=timezone.localdate())
        return Response(FootageRequestDetailOut(found).data)


class FootageRevealIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why you need the details: kept in the audit log.")


class FootageRevealOut(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()


class FootageRevealView(APIView):
    """The requester's name, email and postal address, in this answer only, for a reason that the
    audit log keeps (footage.requester_revealed), as on the request's staff page."""

    permission_classes = [allows(policy.PII_REVEAL)]

    @extend_schema(
        operation_id="staff_footage_request_reveal",
        parameters=[REFERENCE_PARAMETER],
        request=FootageRevealIn,
        responses={200: FootageRevealOut, **error_responses(400, 404)},
        description="Never replayed from an Idempotency-Key: each reveal is audited; a repeat does nothing else.",
    )
    def post(self, request, reference: str):
        found = selectors.footage_with_requester(reference)
        if found is None:
            raise _footage_not_found()
        data = FootageRevealIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            revealed = services.footage_requester_reveal(
                request=found, actor=request.user, reason=data.validated_data["reason"]
            )
        except ApplicationError as error:
            raise ApiError(400, error.code, error.message, {"reason": [error.message]}) from None
        return Response({"reference": found.reference, **revealed})


casework_urlpatterns: list = [
    path("staff/incidents/", IncidentListView.as_view(), name="staff_incident_list"),
    path("staff/incidents/<str:reference>/", IncidentDetailView.as_view(), name="staff_incident_detail"),
    path("staff/footage-requests/", FootageListView.as_view(), name="staff_footage_request_list"),
    path("staff/footage-requests/<str:reference>/", FootageDetailView.as_view(), name="staff_footage_request_detail"),
    path(
        "staff/footage-requests/<str:reference>/reveal/",
        FootageRevealView.as_view(),
        name="staff_footage_request_reveal",
    ),
]

urlpatterns = complaint_urlpatterns + casework_urlpatterns
