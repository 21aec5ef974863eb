"""The published tables: their stable codes, what they count, their categories in a fixed order
and the plain words for each. The codes (of tables, categories and columns) are the open data's
contract: add new ones, never rename or reuse one."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import FootageRequest
from intake import choices

ALL = "all"
UNKNOWN_OFFICE = "unknown"
NOT_GIVEN = "not_given"
OTHER = "other"
SEVERAL = "several"
TOTAL = "total"

COMPLAINTS = "complaints"
FOOTAGE = "footage_requests"


@dataclass(frozen=True)
class Spec:
    code: str
    subject: str  # COMPLAINTS or FOOTAGE: what one counted unit is
    title: object
    description: object
    row: str  # the name of the row dimension (a column of the download)
    categories: tuple[tuple[str, object], ...] = ()  # (code, label); empty: from the data (months, offices)
    column: str = ""  # two-way tables: the name of the column dimension
    column_categories: tuple[tuple[str, object], ...] = ()
    by_office: bool = True  # published for each field office (else only for all offices)
    many: bool = False  # one record may count in several rows (allegations)


def _choices(*pairs) -> tuple[tuple[str, object], ...]:
    return tuple((str(code), label) for code, label in pairs)


NOT_GIVEN_LABEL = pgettext_lazy("statistics", "Not answered")
NOT_SURE_LABEL = pgettext_lazy("statistics", "Not sure")

OUTCOMES = _choices(
    ("substantiated", pgettext_lazy("statistics", "Substantiated: it happened and was wrong")),
    ("not_substantiated", pgettext_lazy("statistics", "Not enough proof to decide")),
    ("unfounded", pgettext_lazy("statistics", "Unfounded: it did not happen")),
    ("exonerated", pgettext_lazy("statistics", "Exonerated: it happened, but the rules allowed it")),
    ("resolved", pgettext_lazy("statistics", "Resolved")),
    ("withdrawn", pgettext_lazy("statistics", "Withdrawn by the person")),
    ("duplicate", pgettext_lazy("statistics", "Joined with another complaint")),
    ("no_jurisdiction", pgettext_lazy("statistics", "Outside what we and our partners can act on")),
    ("unable_to_contact", pgettext_lazy("statistics", "The person could not be reached")),
    (NOT_GIVEN, pgettext_lazy("statistics", "Closed without a recorded outcome")),
)
YES_NO = _choices(
    ("yes", pgettext_lazy("statistics", "Yes")),
    ("no", pgettext_lazy("statistics", "No")),
    ("unknown", NOT_SURE_LABEL),
    (NOT_GIVEN, NOT_GIVEN_LABEL),
)
RACE = _choices(
    *[(value, label) for value, label in choices.RaceEthnicity.choices if value != choices.RaceEthnicity.DECLINED],
    (SEVERAL, pgettext_lazy("statistics", "More than one group")),
    (choices.RaceEthnicity.DECLINED, pgettext_lazy("statistics", "Preferred not to say")),
    (NOT_GIVEN, NOT_GIVEN_LABEL),
)
FOOTAGE_OUTCOMES = _choices(
    ("pending", pgettext_lazy("statistics", "Not decided yet")),
    ("released_full", pgettext_lazy("statistics", "Video released in full")),
    ("released_partial", pgettext_lazy("statistics", "Video released in part")),
    ("no_footage", pgettext_lazy("statistics", "No video")),
    ("denied", pgettext_lazy("statistics", "Refused")),
    ("withdrawn", pgettext_lazy("statistics", "Withdrawn by the person who asked")),
    ("referred", pgettext_lazy("statistics", "Sent to another agency")),
    ("appealed", pgettext_lazy("statistics", "Appealed")),
)
TIMELINESS = _choices(
    ("on_time", pgettext_lazy("statistics", "Decided on time")),
    ("late", pgettext_lazy("statistics", "Decided late")),
    ("no_clock", pgettext_lazy("statistics", "No deadline to compare (the request was never complete)")),
)


def _languages():
    return tuple((code, name) for code, name in settings.LANGUAGES) + (
        (OTHER, pgettext_lazy("statistics", "Another language")),
    )


SPECS = [
    Spec(
        "complaints_by_field_office",
        COMPLAINTS,
        _("Complaints by ICE field office"),
        _("Where it happened, by the ICE field office that covers the place."),
        row="field_office",
        by_office=False,
    ),
    Spec(
        "complaints_by_month",
        COMPLAINTS,
        _("Complaints by month"),
        _("The month we received each complaint."),
        row="month",
    ),
    Spec(
        "complaints_by_allegation",
        COMPLAINTS,
        _("What people said happened"),
        _("One complaint can say several things happened, so these add up to more than all complaints."),
        row="allegation",
        categories=_choices(*choices.Allegation.choices),
        many=True,
    ),
    Spec(
        "complaints_by_channel",
        COMPLAINTS,
        _("How people filed"),
        _("Website, text message, phone call and the other ways to file."),
        row="channel",
        categories=_choices(*choices.Channel.choices),
    ),
    Spec(
        "complaints_by_language",
        COMPLAINTS,
        _("Language of the complaint"),
        _("The language the person used to file."),
        row="language",
        categories=_languages(),
    ),
    Spec(
        "complaints_by_status",
        COMPLAINTS,
        _("Where complaints are now"),
        _("The step each complaint has reached today."),
        row="status",
        categories=_choices(*choices.Status.choices),
    ),
    Spec(
        "complaints_by_outcome",
        COMPLAINTS,
        _("Outcomes of closed complaints"),
        _("How closed complaints ended."),
        row="outcome",
        categories=OUTCOMES,
    ),
    Spec(
        "complaints_by_body_camera_seen",
        COMPLAINTS,
        _("Was an officer wearing a body camera?"),
        _("What the person saw: did at least one officer wear a body camera?"),
        row="body_camera_seen",
        categories=YES_NO,
    ),
    Spec(
        "complaints_by_body_camera_recording",
        COMPLAINTS,
        _("Was the camera recording?"),
        _("Only complaints where a body camera was seen: did it seem to be on?"),
        row="body_camera_recording",
        categories=YES_NO,
    ),
    Spec(
        "complaints_by_race_ethnicity",
        COMPLAINTS,
        _("Race or ethnic group of the person who filed"),
        _("Answering is optional. People who chose more than one group are counted once, as more than one group."),
        row="race_ethnicity",
        categories=RACE,
    ),
    Spec(
        "closed_complaints_by_race_ethnicity_and_outcome",
        COMPLAINTS,
        _("Outcomes of closed complaints by race or ethnic group"),
        _("Are complaints from some groups closed differently? Shown only for all field offices together."),
        row="race_ethnicity",
        categories=RACE,
        column="outcome",
        column_categories=OUTCOMES,
        by_office=False,
    ),
    Spec(
        "footage_requests_by_outcome",
        FOOTAGE,
        _("Requests for body camera video, by result"),
        _("Where each request for video stands today."),
        row="outcome",
        categories=FOOTAGE_OUTCOMES,
    ),
    Spec(
        "footage_requests_by_no_footage_reason",
        FOOTAGE,
        _("Why there was no video"),
        _("For requests answered with no video: the reason given."),
        row="reason",
        categories=_choices(*FootageRequest.NoFootage.choices, (NOT_GIVEN, NOT_GIVEN_LABEL)),
    ),
    Spec(
        "footage_requests_by_timeliness",
        FOOTAGE,
        _("Were requests for video decided on time?"),
        _("Requests with a decision (video released, no video, or refused), against the legal deadline."),
        row="timeliness",
        categories=TIMELINESS,
    ),
]
BY_CODE = {spec.code: spec for spec in SPECS}

# Totals of each slice: the number of complaints and of footage requests (and decided requests).
TOTALS = "totals"
TOTAL_ROWS = _choices(
    (COMPLAINTS, _("Complaints")),
    (FOOTAGE, _("Requests for body camera video")),
    ("footage_decided", _("Requests for video with a decision")),
)
# Days from a complete request to its decision: the middle one and the 90th in 100.
DECISION_DAYS = "footage_decision_days"
DECISION_DAYS_NAMES = _choices(
    ("median", _("Middle number of days to a decision (half took longer)")),
    ("p90", _("Days within which 9 in 10 were decided")),
)
# A percentile is published only with at least this many records on each side of it.
PERCENTILE_SIDE = 11
