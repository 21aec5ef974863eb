"""Forms of the staff area: they parse and check the shape of what staff send (the queue's and
the audit log's filters, incidents, footage requests); cases/services.py decides."""

from datetime import date, datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import FootageRequest, Incident, RedactionItem
from cases.selectors import (
    INCIDENT_REFERENCE,
    QUEUE_ANY_STATUS,
    QUEUE_ASSIGNEE_ME,
    QUEUE_ASSIGNEE_NONE,
    QueueFilters,
    QueueKey,
    incident_reference_normalise,
)
from cases.services import COMPLAINT_REFERENCE, EARLIEST_DAY
from intake.choices import Agency, Channel, Status
from intake.models import Complaint, FieldOffice
from privacy.selectors import AuditFilters

# --- the queue ---
PAGE_SIZE, PAGE_SIZE_MIN, PAGE_SIZE_MAX = 50, 10, 200
CURSOR_SALT = "cases.queue.cursor"

# The filer's wording of intake.choices is too long for a table: staff's short names.
ALLEGATION_SHORT = {
    "excessive_force": _("Excessive force"),
    "discrimination": _("Discrimination"),
    "verbal_abuse": _("Verbal abuse or threats"),
    "medical_neglect": _("Medical neglect"),
    "unlawful_entry": _("Unlawful entry or search"),
    "property": _("Property damage or seizure"),
    "children_family": _("Children or family separation"),
    "language_access": _("Language access"),
    "coercion": _("Coercion to sign"),
    "lawyer_access": _("Denied a lawyer"),
    "sexual_misconduct": _("Sexual misconduct"),
    "retaliation": _("Retaliation"),
    "body_camera": _("Body camera"),
    "no_identification": _("Did not identify"),
    "privacy": _("Privacy"),
    "other": _("Other"),
}


def _label(user) -> str:
    return user.get_full_name() or user.username


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open (all but closed)")), (QUEUE_ANY_STATUS, _("Any status")), *Status.choices],
    )
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter only"), required=False)
    caller_language = forms.CharField(
        label=_("Language the caller named"),
        help_text=_("As staff wrote it down from the recording, like Mam or K'iche'."),
        required=False,
        max_length=60,
        strip=True,
    )
    allegation = forms.ChoiceField(
        label=_("Allegation"), required=False, choices=[("", _("Any")), *ALLEGATION_SHORT.items()]
    )
    field_office = forms.TypedChoiceField(label=_("Field office"), required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("Any")), *settings.LANGUAGES])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any")), *Channel.choices])
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    older_than = forms.IntegerField(label=_("Older than (days)"), required=False, min_value=0, max_value=36500)
    size = forms.IntegerField(
        label=_("Rows per page"), required=False, min_value=PAGE_SIZE_MIN, max_value=PAGE_SIZE_MAX
    )

    def __init__(self, *args, offices, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_office"].choices = [("", _("Any")), *[(o.pk, o.name) for o in offices]]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (QUEUE_ASSIGNEE_ME, _("Me")),
            (QUEUE_ASSIGNEE_NONE, _("Nobody (unassigned)")),
            *[(str(u.pk), _label(u)) for u in assignees],
        ]

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            status=data["status"],
            urgent=data["urgent"],
            allegation=data["allegation"],
            field_office=data["field_office"],
            language=data["language"],
            channel=data["channel"],
            assignee=data["assignee"],
            older_than_days=data["older_than"],
            overdue=data["overdue"],
            needs_interpreter=data["needs_interpreter"],
            caller_language=data["caller_language"].replace("\x00", ""),
        )

    def page_size(self) -> int:
        return self.cleaned_data.get("size") or PAGE_SIZE


def cursor_encode(key: QueueKey) -> str:
    rank, created_at, pk = key
    return signing.dumps([rank, created_at.isoformat(), pk], salt=CURSOR_SALT, compress=False)


def cursor_decode(token: str) -> QueueKey:
    """The key a signed cursor carries; ValueError for anything else (edited, truncated, made up)."""
    try:
        rank, created_at, pk = signing.loads(token, salt=CURSOR_SALT)
        when = datetime.fromisoformat(created_at)
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise ValueError("bad cursor") from error
    if not (isinstance(rank, int) and isinstance(pk, int)) or when.tzinfo is None:
        raise ValueError("bad cursor")
    return rank, when, pk


# --- dates ---
NOT_TOO_EARLY = MinValueValidator(EARLIEST_DAY, message=_("Check the year: dates before 2000 are not accepted."))
# A day that has happened (the limit is worked out at each check, so it follows the calendar).
PAST_DAY = [
    NOT_TOO_EARLY,
    MaxValueValidator(lambda: timezone.localdate(), message=_("A date cannot be in the future.")),
]
# A filter may look ahead, but not so far that the day after it is past the end of the calendar.
FILTER_DAY = [
    NOT_TOO_EARLY,
    MaxValueValidator(date(2999, 12, 31), message=_("Check the year: that date is too far ahead.")),
]

# --- incidents ---
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _offices():
    return FieldOffice.objects.order_by("code")


class IncidentFilterForm(forms.Form):
    text = forms.CharField(label=_("Reference"), required=False, max_length=16)
    field_office = forms.ModelChoiceField(
        label=_("Field office"), queryset=_offices(), to_field_name="code", required=False, empty_label=_("Any")
    )
    state = forms.CharField(label=_("State"), required=False, max_length=2)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    show_merged = forms.BooleanField(label=_("Show merged incidents"), required=False)

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out and shown with its error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        office = data.get("field_office")
        return {
            "field_office": office.code if office else "",
            "state": data.get("state") or "",
            "city": data.get("city") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "tag": data.get("tag") or "",
            "text": data.get("text") or "",
            "show_merged": bool(data.get("show_merged")),
        }


class IncidentEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    starts_on = forms.DateField(label=_("First day"), widget=DATE, validators=PAST_DAY)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE, validators=PAST_DAY)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    state = forms.CharField(label=_("State"), required=False, max_length=2, help_text=_("Two letters, like TX."))
    field_office = forms.ModelChoiceField(
        label=_("Field office"), queryset=_offices(), to_field_name="code", required=False, empty_label=_("Not known")
    )
    agency = forms.ChoiceField(label=_("Agency"), required=False, choices=[("", _("Not known")), *Agency.choices])
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Words separated by commas, like: raid, school.")
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )

    @classmethod
    def for_incident(cls, incident, *, with_summary: bool) -> "IncidentEditForm":
        initial = {
            "version": incident.version,
            "starts_on": incident.starts_on,
            "ends_on": incident.ends_on,
            "city": incident.city,
            "state": incident.state,
            "field_office": incident.field_office,
            "agency": incident.agency,
            "tags": ", ".join(incident.tags),
        }
        if with_summary:
            initial["summary"] = incident.summary
        return cls(initial=initial)


# --- footage requests ---
# The FOIA exemptions in words, for pages and decision letters.
EXEMPTION_LABELS = {
    "b5": _("(b)(5): deliberative process"),
    "b6": _("(b)(6): personal privacy"),
    "b7A": _("(b)(7)(A): an open law enforcement proceeding"),
    "b7C": _("(b)(7)(C): personal privacy in law enforcement records"),
    "b7E": _("(b)(7)(E): law enforcement techniques and procedures"),
    "b7F": _("(b)(7)(F): the life or physical safety of a person"),
}

ANY = [("", _("Any"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FootageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ANY + FootageRequest.Status.choices, required=False)
    requester_type = forms.ChoiceField(
        label=_("Requester"), choices=ANY + FootageRequest.Requester.choices, required=False
    )
    expedited = forms.ChoiceField(
        label=_("Fast processing asked"), choices=ANY + [("yes", _("Yes")), ("no", _("No"))], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        """The selector's keyword arguments; nothing filtered when the input is not valid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "requester_type": data["requester_type"],
            "expedited": {"yes": True, "no": False}.get(data["expedited"]),
            "overdue": data["overdue"],
        }


class ReferenceChoiceField(forms.ModelChoiceField):
    """A record chosen by typing its reference (C-000123, IN-000045). A value that does not have
    the shape of one (`shape`, once `normalise`d) is not even looked up."""

    def __init__(self, queryset, *, label, missing, shape, normalise=str.upper, widget=forms.TextInput, **kwargs):
        self.shape, self.normalise = shape, normalise
        super().__init__(
            queryset,
            to_field_name="reference",
            label=label,
            required=False,
            widget=widget,
            error_messages={"invalid_choice": missing},
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            value = self.normalise(value.strip())
            if not self.shape.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class FootageNewForm(forms.Form):
    requester_type = forms.ChoiceField(label=_("Who asks for the footage"), choices=FootageRequest.Requester.choices)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"), choices=FootageRequest.Basis.choices, initial=FootageRequest.Basis.FOIA
    )
    language = forms.ChoiceField(label=_("Language of the requester"), choices=settings.LANGUAGES, initial="en")
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), validators=PAST_DAY)
    perfected_on = forms.DateField(
        label=_("Complete on"),
        help_text=_("The day the request described the footage well enough (and fees were settled): the clock starts."),
        required=False,
        widget=DateInput(),
        validators=PAST_DAY,
    )
    expedited_requested = forms.BooleanField(label=_("The requester asks for fast processing"), required=False)
    expedited_ground = forms.ChoiceField(
        label=_("Why fast processing"), choices=[("", "—"), *FootageRequest.ExpeditedGround.choices], required=False
    )
    requester_name = forms.CharField(label=_("Requester's name"), max_length=200)
    requester_email = forms.EmailField(label=_("Requester's email"), max_length=254, required=False)
    requester_address = forms.CharField(
        label=_("Requester's postal address"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    incident = ReferenceChoiceField(
        Incident.objects.filter(merged_into__isnull=True),
        label=_("Incident reference"),
        missing=_("There is no incident with this reference."),
        shape=INCIDENT_REFERENCE,
        normalise=incident_reference_normalise,
        help_text=_("Like IN-000045."),
    )
    complaint = ReferenceChoiceField(
        Complaint.objects.all(),
        label=_("Complaint"),
        missing=_("There is no complaint with this reference."),
        shape=COMPLAINT_REFERENCE,
        widget=forms.HiddenInput,
    )

    def clean(self):
        data = super().clean()
        received, perfected = data.get("received_on"), data.get("perfected_on")
        if received and perfected and perfected < received:
            self.add_error("perfected_on", _("A request cannot be complete before it was received."))
        if data.get("expedited_requested") and not data.get("expedited_ground"):
            self.add_error("expedited_ground", _("Say why the requester asks for fast processing."))
        return data


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class FootageMoveForm(VersionForm):
    to = forms.ChoiceField(label=_("Next step"), choices=FootageRequest.Status.choices)
    no_footage_reason = forms.ChoiceField(
        label=_("Why there is no footage"), choices=[("", "—"), *FootageRequest.NoFootage.choices], required=False
    )
    exemptions = forms.MultipleChoiceField(
        label=_("Exemptions (for a denial or a release in part)"),
        choices=list(EXEMPTION_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class FootageClockForm(VersionForm):
    PERFECT, PAUSE, RESUME, EXTEND = "perfect", "pause", "resume", "extend"
    EXPEDITE_YES, EXPEDITE_NO = "expedite_yes", "expedite_no"
    DATED = (PERFECT, PAUSE, RESUME, EXTEND)

    action = forms.ChoiceField(
        choices=[(a, a) for a in (PERFECT, PAUSE, RESUME, EXTEND, EXPEDITE_YES, EXPEDITE_NO)],
        error_messages={"invalid_choice": _("Please use one of the buttons.")},
    )
    on = forms.DateField(label=_("On"), required=False, widget=DateInput(), validators=PAST_DAY)

    def clean(self):
        data = super().clean()
        if data.get("action") in self.DATED and not data.get("on"):
            self.add_error("on", _("Give the date."))
        return data


class FootageRedactionForm(VersionForm):
    item = forms.ChoiceField(choices=RedactionItem.Item.choices)
    state = forms.ChoiceField(
        choices=[(s, s.label) for s in (RedactionItem.State.DONE, RedactionItem.State.NOT_APPLICABLE)]
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why you need to see these details"), max_length=500)


class LetterForm(RevealForm):
    kind = forms.CharField(max_length=32)  # the service names the letters there are


# --- the audit log ---
OBJECT_TYPES = [
    ("", _("Any")),
    ("intake.complaint", _("Complaint")),
    ("cases.incident", _("Incident")),
    ("cases.footagerequest", _("Footage request")),
    ("cases.referral", _("Referral")),
    ("accounts.user", _("User account")),
    ("accounts.organization", _("Organization")),
    ("surveys.survey", _("Survey")),
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Staff member (username)"), max_length=150, required=False)
    action = forms.CharField(
        label=_("Action"),
        max_length=64,
        required=False,
        help_text=_('An action code, or the start of one ending in a dot, such as "footage."'),
    )
    object_type = forms.ChoiceField(label=_("Kind of record"), choices=OBJECT_TYPES, required=False)
    object_ref = forms.CharField(label=_("Reference"), max_length=32, required=False)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=FILTER_DAY,
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=FILTER_DAY,
    )

    def clean_object_ref(self) -> str:
        return self.cleaned_data["object_ref"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="dates")
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            actor=data["actor"].strip(),
            action=data["action"].strip(),
            object_type=data["object_type"],
            object_ref=data["object_ref"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
