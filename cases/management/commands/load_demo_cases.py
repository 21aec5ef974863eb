"""A living queue for `make run`: a few hundred complaints in all ten languages, some moved along
the workflow and assigned, grouped into incidents, with footage requests in several states,
referrals, contact attempts and notes. Everything goes through the services, so events, holds
and the audit log are real; only the dates are moved back afterwards, which no service does.

Every name, number and word here is made up (555-01xx numbers are reserved for fiction)."""

import random
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from cases import workflow
from cases.models import FootageRequest, RedactionItem, Referral
from cases.services import (
    complaint_assign,
    complaint_contact_attempt_record,
    complaint_note_add,
    footage_approve_release,
    footage_expedited_decide,
    footage_extend,
    footage_move,
    footage_pause,
    footage_redaction_set,
    footage_request_create,
    incident_create_from,
    incident_link,
    referral_create,
)
from intake import choices
from intake.models import Complaint, ComplaintEvent
from intake.services import ComplaintInput, ContactInput, complaint_change_status, complaint_submit
from intake.sla import acknowledge_by
from messaging.models import OutboundMessage

MARKER = "demo-"  # the submission_key prefix of every demo complaint: a second run adds nothing
SEED = 20261128

# Field offices (intake/data/ice_field_offices.csv) and cities in their areas, with a weight.
OFFICE_CITIES = {
    "HOU": (9, [("Houston", "TX"), ("Beaumont", "TX"), ("Galveston", "TX")]),
    "LOS": (8, [("Los Angeles", "CA"), ("Santa Ana", "CA"), ("Riverside", "CA")]),
    "NYC": (7, [("New York", "NY"), ("Yonkers", "NY")]),
    "CHI": (6, [("Chicago", "IL"), ("Indianapolis", "IN"), ("Milwaukee", "WI"), ("Kansas City", "MO")]),
    "MIA": (6, [("Miami", "FL"), ("Orlando", "FL"), ("Homestead", "FL")]),
    "SNA": (5, [("San Antonio", "TX"), ("Austin", "TX"), ("Laredo", "TX")]),
    "DAL": (5, [("Dallas", "TX"), ("Fort Worth", "TX"), ("Oklahoma City", "OK")]),
    "PHO": (5, [("Phoenix", "AZ"), ("Tucson", "AZ"), ("Yuma", "AZ")]),
    "HLG": (4, [("Harlingen", "TX"), ("McAllen", "TX"), ("Brownsville", "TX")]),
    "ATL": (4, [("Atlanta", "GA"), ("Charlotte", "NC"), ("Columbia", "SC")]),
    "NEW": (4, [("Newark", "NJ"), ("Elizabeth", "NJ"), ("Paterson", "NJ")]),
    "SND": (3, [("San Diego", "CA"), ("El Centro", "CA")]),
    "SFR": (3, [("San Francisco", "CA"), ("San Jose", "CA"), ("Sacramento", "CA")]),
    "ELP": (3, [("El Paso", "TX"), ("Albuquerque", "NM")]),
    "WAS": (3, [("Washington", "DC"), ("Richmond", "VA")]),
    "BOS": (3, [("Boston", "MA"), ("Hartford", "CT"), ("Providence", "RI")]),
    "PHI": (2, [("Philadelphia", "PA"), ("Pittsburgh", "PA")]),
    "DEN": (2, [("Denver", "CO"), ("Aurora", "CO")]),
    "SEA": (2, [("Seattle", "WA"), ("Portland", "OR")]),
    "NOL": (2, [("New Orleans", "LA"), ("Memphis", "TN"), ("Birmingham", "AL")]),
    "SLC": (2, [("Salt Lake City", "UT"), ("Las Vegas", "NV"), ("Boise", "ID")]),
    "SPM": (2, [("Saint Paul", "MN"), ("Omaha", "NE"), ("Des Moines", "IA")]),
    "DET": (2, [("Detroit", "MI"), ("Columbus", "OH")]),
    "BAL": (1, [("Baltimore", "MD")]),
    "BUF": (1, [("Buffalo", "NY"), ("Rochester", "NY")]),
}
LANGUAGES = {"es": 40, "en": 18, "pt": 6, "ht": 7, "fr": 4, "zh-hans": 5, "vi": 5, "ar": 5, "ru": 4, "pa": 6}
CHANNELS = {"web": 38, "sms": 20, "whatsapp": 15, "voice": 8, "email": 5, "api": 9, "paper": 5}
ALLEGATIONS = {
    "excessive_force": 10, "verbal_abuse": 9, "unlawful_entry": 8, "property": 6, "children_family": 6,
    "body_camera": 7, "no_identification": 6, "discrimination": 5, "medical_neglect": 4, "language_access": 4,
    "coercion": 3, "lawyer_access": 3, "retaliation": 3, "privacy": 2, "sexual_misconduct": 1, "other": 2,
}  # fmt: skip
STATUSES = {
    choices.Status.RECEIVED: 28, choices.Status.ACKNOWLEDGED: 20, choices.Status.IN_REVIEW: 22,
    choices.Status.NEEDS_INFO: 8, choices.Status.REFERRED: 5, choices.Status.CLOSED: 15,
}  # fmt: skip
PATHS = {
    choices.Status.RECEIVED: [],
    choices.Status.ACKNOWLEDGED: [choices.Status.ACKNOWLEDGED],
    choices.Status.IN_REVIEW: [choices.Status.ACKNOWLEDGED, choices.Status.IN_REVIEW],
    choices.Status.NEEDS_INFO: [choices.Status.ACKNOWLEDGED, choices.Status.IN_REVIEW, choices.Status.NEEDS_INFO],
    choices.Status.REFERRED: [choices.Status.ACKNOWLEDGED, choices.Status.IN_REVIEW, choices.Status.REFERRED],
    choices.Status.CLOSED: [choices.Status.ACKNOWLEDGED, choices.Status.IN_REVIEW, choices.Status.CLOSED],
}
OUTCOMES = ["resolved", "not_substantiated", "unable_to_contact", "withdrawn", "no_jurisdiction", "substantiated"]
# Made-up words only: nothing that could be a real person or a real event.
NARRATIVES = [
    "Demo text. Several officers came to the {place} in the {time}. Vombre talqen drisel amunet.",
    "Demo text. They asked for papers and did not say who they were. Pelanto vrisk omadel.",
    "Demo text. A car stopped us near the {place}; the officers wore masks. Quorrel estavin moth.",
    "Demo text. They took the phone and did not give it back. Sarnic oblavet tenmur.",
    "Demo text. The children were frightened and cried the whole time. Ildeva pransk urrel.",
]
NOTES = [
    "Demo note: called back as agreed, the person will send the papers. Florm vestique.",
    "Demo note: same event as another complaint from this city, check the incident. Brantel oss.",
    "Demo note: asked the field office for the shift roster. Quellith marn.",
]
FOOTAGE_PLAN = [  # the status each demo footage request is brought to
    *[workflow.RECEIVED] * 4, *[workflow.ACKNOWLEDGED] * 4, *[workflow.SEARCHING] * 5,
    *[workflow.FOOTAGE_LOCATED] * 3, *[workflow.NO_FOOTAGE] * 3, *[workflow.REDACTION_REVIEW] * 2,
    workflow.RELEASED_FULL, workflow.RELEASED_PARTIAL, workflow.DENIED, workflow.WITHDRAWN,
]  # fmt: skip
FOOTAGE_PATHS = {
    workflow.RECEIVED: [],
    workflow.ACKNOWLEDGED: [workflow.ACKNOWLEDGED],
    workflow.SEARCHING: [workflow.ACKNOWLEDGED, workflow.SEARCHING],
    workflow.FOOTAGE_LOCATED: [workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.FOOTAGE_LOCATED],
    workflow.NO_FOOTAGE: [workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.NO_FOOTAGE],
    workflow.REDACTION_REVIEW: [
        workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.FOOTAGE_LOCATED, workflow.REDACTION_REVIEW,
    ],
    workflow.RELEASED_FULL: [
        workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.FOOTAGE_LOCATED, workflow.REDACTION_REVIEW,
        workflow.RELEASED_FULL,
    ],
    workflow.RELEASED_PARTIAL: [
        workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.FOOTAGE_LOCATED, workflow.REDACTION_REVIEW,
        workflow.RELEASED_PARTIAL,
    ],
    workflow.DENIED: [workflow.ACKNOWLEDGED, workflow.SEARCHING, workflow.FOOTAGE_LOCATED, workflow.DENIED],
    workflow.WITHDRAWN: [workflow.ACKNOWLEDGED, workflow.WITHDRAWN],
}  # fmt: skip


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Command(BaseCommand):
    help = "Load demo casework (complaints, incidents, footage requests). Run after load_demo. Development only."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=300, help="How many complaints (default 300).")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo_cases only runs with DEBUG on: demo data must never reach a real deployment.")
        if Complaint.objects.filter(submission_key__startswith=MARKER).exists():
            self.stdout.write("Demo casework is loaded already; nothing added.")
            return
        users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
        missing = {"demo-liaison", "demo-supervisor", "demo-advocate"} - set(users)
        if missing:
            raise CommandError(f"Run `manage.py load_demo` first (missing {', '.join(sorted(missing))}).")
        started = time.monotonic()
        with transaction.atomic():
            counts = Loader(
                count=max(options["complaints"], 1),
                liaison=users["demo-liaison"],
                supervisor=users["demo-supervisor"],
                advocate=users["demo-advocate"],
                organization=Organization.objects.filter(memberships__user=users["demo-advocate"]).first(),
            ).run()
        self.stdout.write(
            "Demo casework: {complaints} complaints, {incidents} incidents, {footage} footage requests, "
            "{referrals} referrals, {attempts} contact attempts, {notes} notes ({seconds:.1f} s).".format(
                **counts, seconds=time.monotonic() - started
            )
        )


class Loader:
    def __init__(self, *, count: int, liaison, supervisor, advocate, organization):
        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
        self.count, self.liaison, self.supervisor = count, liaison, supervisor
        self.advocate, self.organization = advocate, organization
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.created: dict[int, datetime] = {}  # complaint id → when it was (demo-)filed

    def run(self) -> dict:
        groups = self._incident_groups()
        complaints = self._file(groups)
        refs = [c.reference for c in complaints]
        complaints = [self._move(c) for c in complaints]
        complaints = [self._assign(c) for c in complaints]
        incidents = self._incidents(complaints, groups)
        footage = self._footage(complaints, incidents)
        referrals, attempts, notes = self._casework(complaints)
        # Demo filings notify nobody: the on-duty emails for urgent ones stay unsent.
        OutboundMessage.objects.filter(object_ref__in=refs, status=OutboundMessage.Status.PENDING).update(
            status=OutboundMessage.Status.SKIPPED
        )
        return {
            "complaints": len(complaints),
            "incidents": len({incident.pk for incident in incidents.values()}),
            "footage": footage,
            "referrals": referrals,
            "attempts": attempts,
            "notes": notes,
        }

    # Filing ------------------------------------------------------------------------------------

    def _incident_groups(self) -> list[dict]:
        """About one complaint in ten describes an enforcement action that 2–4 complaints share."""
        groups, left = [], self.count
        for _ in range(max(self.count // 10, 1)):
            size = self.rng.randint(2, 4)
            if size > left:
                break
            left -= size
            office = pick(self.rng, {code: weight for code, (weight, _cities) in OFFICE_CITIES.items()})
            city, state = self.rng.choice(OFFICE_CITIES[office][1])
            groups.append(
                {
                    "size": size,
                    "office": office,
                    "city": city,
                    "state": state,
                    "date": self.today - timedelta(days=self.rng.randint(3, 110)),
                    "place_type": self.rng.choice(["home", "workplace", "street", "courthouse", "check_in"]),
                    "agency": self.rng.choice(["ice_ero", "ice_ero", "ice_hsi", "local_with_ice"]),
                    "members": [],
                }
            )
        return groups

    def _input(self, n: int, group: dict | None) -> tuple[ComplaintInput, str, datetime]:
        rng = self.rng
        channel = pick(rng, CHANNELS)
        language = pick(rng, LANGUAGES)
        if group is not None:
            office, city, state = group["office"], group["city"], group["state"]
            incident_date = group["date"] + timedelta(days=rng.choice([0, 0, 0, 1, -1]))
            place_type, agency = group["place_type"], group["agency"]
        else:
            office = pick(rng, {code: weight for code, (weight, _cities) in OFFICE_CITIES.items()})
            city, state = rng.choice(OFFICE_CITIES[office][1])
            incident_date = self.today - timedelta(days=rng.randint(0, 120))
            place_type = rng.choice(choices.PlaceType.values)
            agency = rng.choice(choices.Agency.values)
        incident_date = min(incident_date, self.today)
        # Filed a little after it happened, and within the last 60 days.
        newest = self.now - timedelta(minutes=rng.randint(5, 600))
        delay = timedelta(days=rng.randint(0, 10), minutes=rng.randint(0, 1440))
        filed = min(timezone.make_aware(datetime.combine(incident_date, datetime.min.time())) + delay, newest)
        filed = max(filed, self.now - timedelta(days=60, minutes=-rng.randint(1, 600)))
        if n % 25 == 0:  # a few fresh ones, still within their service level
            filed = self.now - timedelta(minutes=rng.randint(10, 300))
        role = {"api": choices.FilerRole.ADVOCATE, "email": choices.FilerRole.UNKNOWN}.get(
            channel, rng.choice(["person_affected", "person_affected", "family", "witness"])
        )
        anonymous = rng.random() < 0.55
        contact = None
        if not anonymous:
            contact = ContactInput(
                name=f"Demo Filer {n:04d}",
                phone=f"+1{rng.choice(['713', '213', '305', '312', '602'])}5550{rng.randint(100, 199)}",
                preferred_method=rng.choice(["sms", "call", "whatsapp"]),
                safe_to_message=False,
            )
        data = ComplaintInput(
            filer_role=role,
            language=language,
            allegations=self._allegations(),
            urgent_flags=[rng.choice(choices.UrgentFlag.values)] if rng.random() < 0.09 else [],
            on_behalf_consent=role == choices.FilerRole.ADVOCATE,
            on_behalf_organization=self.organization.name if role == "advocate" and self.organization else "",
            incident_date=incident_date,
            date_is_approximate=rng.random() < 0.15,
            time_of_day=rng.choice(choices.TimeOfDay.values),
            city=city,
            state=state,
            place_type=place_type,
            field_office_code=office,
            agency=agency,
            officer_count=rng.randint(1, 9),
            officers_masked=rng.choice(choices.Masked.values),
            body_camera_seen=rng.choice(choices.YesNoUnknown.values),
            body_camera_recording=rng.choice(choices.YesNoUnknown.values),
            adults_count=rng.randint(1, 5),
            children_count=rng.choice([0, 0, 0, 1, 2, 3]),
            injuries=rng.choice(choices.YesNoUnknown.values),
            medical_care=rng.choice(choices.MedicalCare.values),
            taken_into_custody=rng.choice(choices.YesNoUnknown.values),
            narrative=rng.choice(NARRATIVES).format(place=place_type.replace("_", " "), time="morning"),
            wants=sorted(
                {rng.choice(choices.Want.values)} | ({choices.Want.FOOTAGE} if rng.random() < 0.35 else set())
            ),
            is_anonymous=anonymous,
            contact=contact,
            consent_contact=not anonymous,
            consent_share_oversight=rng.random() < 0.7,
            consent_statistics=rng.random() < 0.8,
        )
        return data, channel, filed

    def _allegations(self) -> list[str]:
        found: set[str] = set()
        for _ in range(self.rng.choice([1, 1, 2, 2, 3])):
            found.add(pick(self.rng, ALLEGATIONS))
        return sorted(found)

    def _file(self, groups: list[dict]) -> list[Complaint]:
        slots: list[dict | None] = [group for group in groups for _ in range(group["size"])]
        slots += [None] * (self.count - len(slots))
        self.rng.shuffle(slots)
        complaints, moved = [], []
        for n, group in enumerate(slots):
            data, channel, filed = self._input(n, group)
            advocate = channel == "api"
            complaint = complaint_submit(
                data=data,
                channel=channel,
                submission_key=f"{MARKER}{n:05d}",
                organization=self.organization if advocate else None,
                filed_by=self.advocate if advocate else None,
                notify_filer=False,
            ).complaint
            if group is not None:
                group["members"].append(complaint.pk)
            self.created[complaint.pk] = filed
            complaint.created_at = filed
            complaint.ack_due_at = acknowledge_by(filed, urgent=complaint.is_urgent)
            moved.append(complaint)
            complaints.append(complaint)
        # Demo only: no service files a complaint in the past.
        Complaint.objects.bulk_update(moved, ["created_at", "ack_due_at"], batch_size=200)
        events = list(ComplaintEvent.objects.filter(complaint__in=moved).only("id", "complaint_id", "created_at"))
        for event in events:
            event.created_at = self.created[event.complaint_id]
        ComplaintEvent.objects.bulk_update(events, ["created_at"], batch_size=200)
        return complaints

    # Workflow ----------------------------------------------------------------------------------

    def _move(self, complaint: Complaint) -> Complaint:
        filed = self.created[complaint.pk]
        age = self.now - filed
        target = choices.Status.RECEIVED if age < timedelta(hours=20) else pick(self.rng, STATUSES)
        for status in PATHS[target]:
            outcome = self.rng.choice(OUTCOMES) if status == choices.Status.CLOSED else ""
            actor = self.rng.choice([self.liaison, self.liaison, self.supervisor])
            complaint = complaint_change_status(
                complaint=complaint, status=status, outcome=outcome, actor=actor, version=complaint.version
            )
        if PATHS[target]:
            self._backdate_history(complaint, filed, age)
        return complaint

    def _backdate_history(self, complaint: Complaint, filed: datetime, age: timedelta) -> None:
        """Steps spread between the filing and now, acknowledged mostly within the service level."""
        events = list(complaint.events.order_by("created_at", "id")[1:])
        late = self.rng.random() < 0.2
        first = timedelta(hours=self.rng.randint(30, 90) if late else self.rng.randint(1, 30))
        first = min(first, age * 0.5)
        step = (age - first) / (len(events) + 1)
        for k, event in enumerate(events):
            event.created_at = filed + first + step * k
        ComplaintEvent.objects.bulk_update(events, ["created_at"])
        Complaint.objects.filter(pk=complaint.pk).update(
            acknowledged_at=events[0].created_at, updated_at=events[-1].created_at
        )

    def _assign(self, complaint: Complaint) -> Complaint:
        roll = self.rng.random()
        if complaint.status == choices.Status.RECEIVED and roll < 0.7:
            return complaint  # the unassigned ones are the queue's work to share out
        assignee = self.liaison if roll < 0.75 else (self.supervisor if roll < 0.9 else None)
        if assignee is None:
            return complaint
        complaint_assign(complaint=complaint, assignee=assignee, actor=self.supervisor, version=complaint.version)
        complaint.refresh_from_db(fields=["version", "assignee"])
        return complaint

    # Incidents, footage, the rest of the casework -----------------------------------------------

    def _incidents(self, complaints: list[Complaint], groups: list[dict]) -> dict[int, object]:
        """complaint id → its incident."""
        by_id = {c.pk: c for c in complaints}
        linked = {}
        for group in groups:
            members = [by_id[pk] for pk in group["members"]]
            if len(members) < 2:
                continue
            incident = incident_create_from(complaint=members[0], actor=self.liaison)
            for complaint in members[1:]:
                incident = incident_link(incident=incident, complaint=complaint, actor=self.liaison)
            for complaint in members:
                linked[complaint.pk] = incident
        return linked

    def _footage(self, complaints: list[Complaint], incidents: dict) -> int:
        wanting = [c for c in complaints if choices.Want.FOOTAGE in c.wants and c.status != choices.Status.CLOSED]
        wanting.sort(key=lambda c: (c.pk not in incidents, c.pk))
        plan = FOOTAGE_PLAN[: max(2, min(len(FOOTAGE_PLAN), self.count // 12))]
        made = 0
        for k, target in enumerate(plan):
            complaint = wanting[k] if k < len(wanting) and k % 5 != 4 else None
            request = self._footage_request(k, complaint, incidents, complaints)
            self._footage_advance(request, target)
            made += 1
        return made

    def _footage_request(self, k: int, complaint, incidents: dict, complaints: list[Complaint]) -> FootageRequest:
        rng = self.rng
        if complaint is not None:
            received = timezone.localtime(self.created[complaint.pk]).date()
            requester, language = rng.choice(["subject", "family"]), complaint.language
            incident = incidents.get(complaint.pk)
            name = ""
        else:  # on its own: a lawyer, a newsroom, an advocacy group, about an incident
            any_incident = list({id(i): i for i in incidents.values()}.values())
            incident = any_incident[k % len(any_incident)] if any_incident else None
            received = self.today - timedelta(days=rng.randint(2, 45))
            requester, language = rng.choice(["attorney", "journalist", "advocacy"]), "en"
            name = f"Demo Requester {k:02d}"
        perfected = None if k % 6 == 0 else min(received + timedelta(days=rng.randint(0, 4)), self.today)
        expedited = k % 7 == 3
        return footage_request_create(
            requester_type=requester,
            received_on=received,
            actor=self.liaison,
            language=language,
            complaint=complaint,
            incident=incident,
            perfected_on=perfected,
            expedited_requested=expedited,
            expedited_ground="due_process" if expedited else "",
            requester_name=name,
        )

    def _footage_advance(self, request: FootageRequest, target: str) -> None:
        liaison, supervisor = self.liaison, self.supervisor
        if request.expedited_requested and self.rng.random() < 0.5:
            request = footage_expedited_decide(request=request, granted=True, actor=supervisor, version=request.version)
        for status in FOOTAGE_PATHS[target]:
            if status in workflow.RELEASES:
                request = footage_approve_release(request=request, approver=supervisor, version=request.version)
            if status == workflow.REDACTION_REVIEW:
                for item in RedactionItem.Item.values:
                    state = self.rng.choice([RedactionItem.State.DONE, RedactionItem.State.NOT_APPLICABLE])
                    request = footage_redaction_set(
                        request=request, item=item, state=state, actor=liaison, version=request.version
                    )
            request = footage_move(
                request=request,
                to=status,
                actor=liaison,
                version=request.version,
                no_footage_reason=self.rng.choice(workflow.NO_FOOTAGE_REASONS) if status == workflow.NO_FOOTAGE else "",
                exemptions=("b6", "b7C") if status in (workflow.DENIED, workflow.RELEASED_PARTIAL) else (),
            )
        if target == workflow.SEARCHING and request.perfected_on and self.rng.random() < 0.4:
            on = max(request.perfected_on, self.today - timedelta(days=2))
            if self.rng.random() < 0.5:
                footage_extend(request=request, on=on, actor=liaison, version=request.version)
            else:
                footage_pause(request=request, on=on, actor=liaison, version=request.version)

    def _casework(self, complaints: list[Complaint]) -> tuple[int, int, int]:
        referrals = attempts = notes = 0
        for n, complaint in enumerate(complaints):
            if complaint.status == choices.Status.RECEIVED:
                continue
            if complaint.status == choices.Status.REFERRED:
                body = self.rng.choice(Referral.Body.values)
                sent = min(timezone.localtime(self.created[complaint.pk]).date() + timedelta(days=5), self.today)
                referral_create(
                    complaint=complaint,
                    actor=self.liaison,
                    body=body,
                    body_other="Demo County Oversight Board" if body == Referral.Body.OTHER else "",
                    external_reference=f"DEMO-{body.upper()}-{1000 + n}",
                    status=self.rng.choice([Referral.Status.SENT, Referral.Status.ACKNOWLEDGED]),
                    sent_on=sent,
                )
                referrals += 1
            if not complaint.is_anonymous and n % 2 == 0:
                complaint_contact_attempt_record(
                    complaint=complaint,
                    actor=self.liaison,
                    method=self.rng.choice(["call", "text", "whatsapp"]),
                    result=self.rng.choice(["reached", "no_answer", "left_message", "texted"]),
                    note="Demo: nothing said beyond a neutral greeting." if n % 4 == 0 else "",
                )
                attempts += 1
            if n % 6 == 1:
                complaint_note_add(complaint=complaint, actor=self.liaison, text=self.rng.choice(NOTES))
                notes += 1
        return referrals, attempts, notes
