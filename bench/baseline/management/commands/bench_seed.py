"""Bulk seed for the benchmarks: many realistic complaints in minutes (bulk_create, not one
complaint_submit at a time), plus filled web drafts ready to submit and receipts to look up."""

import json
import random
import secrets
import time
from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.models import ReferenceCounter
from intake.choices import Agency, Allegation, PlaceType, Status, TimeOfDay, UrgentFlag
from intake.forms import STEP_NAMES, bound_step_form, complaint_input_from_forms
from intake.models import Allegation as AllegationRow
from intake.models import Complaint, ComplaintEvent, Draft, FieldOffice
from intake.receipts import receipt_index, receipt_new
from intake.services import reviewed_submission
from privacy.crypto import blind_index

LANGUAGES = [("es", 60), ("en", 10), ("pt", 6), ("ht", 6), ("zh-hans", 4), ("vi", 3), ("ar", 3), ("ru", 3)]
LANGUAGES += [("fr", 2), ("pa", 3)]
CHANNELS = [("web", 45), ("sms", 30), ("whatsapp", 12), ("voice", 5), ("email", 3), ("api", 5)]
STATUSES = [("received", 20), ("acknowledged", 15), ("in_review", 25), ("referred", 15), ("closed", 25)]
NARRATIVES = [
    "Llegaron a la casa a las 6 de la mañana, empujaron la puerta y no mostraron ninguna orden.",
    "They stopped our car on the way to work and would not say who they were.",
    "Yo te mete papa m atè devan pitit li yo, youn nan yo te gen mask.",
    "Eles levaram meu irmão do trabalho sem deixar falar com advogado.",
    "他们在法院门口把我丈夫带走了，没有说明原因。",
]
WEB_ANSWERS = {
    "about": {"filer_role": "person_affected", "urgent": []},
    "what": {
        "incident_date": "2026-10-03",
        "time_of_day": "morning",
        "city": "Houston",
        "state": "GA",
        "place_type": "home",
        "agency": "ice_ero",
        "allegations": ["excessive_force", "body_camera", "verbal_abuse"],
    },
    "officers": {
        "officer_count": "4",
        "officer_names": "",
        "badge_numbers": "4471",
        "vehicle_plates": "TX 9KD-221",
        "markings": "POLICE ICE",
        "officers_masked": "some",
        "body_camera_seen": "no",
        "body_camera_recording": "unknown",
    },
    "people": {
        "adults_count": "2",
        "children_count": "1",
        "injuries": "yes",
        "injuries_description": "Bruised arm, my son was crying.",
        "medical_care": "denied",
        "taken_into_custody": "yes",
        "witnesses": "A neighbour saw it from across the street.",
    },
    "story": {"narrative": " ".join(NARRATIVES[:2]) * 3, "wants": ["investigation", "footage"]},
    "contact": {"contact_choice": "anonymous", "contact_language": "es", "consent_statistics": "on"},
}
CONTACT = {
    "contact_choice": "contact",
    "name": "Rosa Martínez",
    "phone": "(713) 555-0188",
    "email": "",
    "preferred_method": "sms",
    "safe_to_message": "yes",
    "best_times": "evenings",
    "consent_contact": "on",
    "contact_language": "es",
    "consent_statistics": "on",
}


def weighted(rng: random.Random, table):
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


class Command(BaseCommand):
    help = "Seed complaints, drafts and receipts in bulk for the benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=10_000)
        parser.add_argument("--drafts", type=int, default=0)
        parser.add_argument("--receipts-out", type=Path)
        parser.add_argument("--drafts-out", type=Path)
        parser.add_argument("--batch", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, complaints, drafts, receipts_out, drafts_out, batch, seed, **options):
        rng = random.Random(seed)
        started = time.monotonic()
        offices = list(FieldOffice.objects.all())
        allegations = [a.value for a in Allegation]
        receipts: list[str] = []
        counter, _ = ReferenceCounter.objects.get_or_create(prefix="C")
        next_number = counter.last_value + 1
        today = timezone.localdate()
        created = 0
        while created < complaints:
            size = min(batch, complaints - created)
            rows, plain = [], []
            for _ in range(size):
                office = rng.choice(offices)
                receipt = receipt_new()
                plain.append(receipt)
                status = weighted(rng, STATUSES)
                urgent = [rng.choice(list(UrgentFlag)).value] if rng.random() < 0.05 else []
                rows.append(
                    Complaint(
                        reference=f"C-{next_number:06d}",
                        receipt_index=receipt_index(receipt),
                        submission_key=f"seed:{secrets.token_hex(8)}",
                        channel=weighted(rng, CHANNELS),
                        language=weighted(rng, LANGUAGES),
                        filer_role=rng.choice(["person_affected", "family", "witness", "advocate"]),
                        urgent_flags=urgent,
                        is_urgent=bool(urgent),
                        status=status,
                        outcome="not_substantiated" if status == Status.CLOSED else "",
                        incident_date=today - timedelta(days=rng.randint(0, 3 * 365)),
                        time_of_day=rng.choice(list(TimeOfDay)).value,
                        city="",
                        state=rng.choice(office.states),
                        place_type=rng.choice(list(PlaceType)).value,
                        field_office=office,
                        agency=rng.choice(list(Agency)).value,
                        officer_count=rng.randint(1, 12),
                        officers_masked=rng.choice(["all", "some", "none", "unknown"]),
                        body_camera_seen=rng.choice(["yes", "no", "unknown"]),
                        body_camera_recording=rng.choice(["yes", "no", "unknown"]),
                        adults_count=rng.randint(1, 6),
                        children_count=rng.randint(0, 4),
                        injuries=rng.choice(["yes", "no", "unknown"]),
                        medical_care=rng.choice(["not_needed", "received", "denied", "unknown"]),
                        taken_into_custody=rng.choice(["yes", "no", "unknown"]),
                        narrative=rng.choice(NARRATIVES),
                        consent_statistics=rng.random() < 0.85,
                    )
                )
                next_number += 1
            with transaction.atomic():
                saved = Complaint.objects.bulk_create(rows)
                AllegationRow.objects.bulk_create(
                    [
                        AllegationRow(complaint=c, kind=kind)
                        for c in saved
                        for kind in rng.sample(allegations, rng.randint(2, 4))
                    ]
                )
                ComplaintEvent.objects.bulk_create(
                    [ComplaintEvent(complaint=c, status=Status.RECEIVED, created_at=timezone.now()) for c in saved]
                )
                ReferenceCounter.objects.filter(pk="C").update(last_value=next_number - 1)
            receipts.extend(plain[:50])
            created += size
            self.stdout.write(f"  {created} complaints", ending="\r")
        self.stdout.write("")
        if receipts_out:
            receipts_out.write_text("\n".join(receipts))
        tokens = self._drafts(drafts, rng) if drafts else []
        if drafts_out:
            drafts_out.write_text("\n".join(tokens))
        took = time.monotonic() - started
        self.stdout.write(f"Seeded {complaints} complaints and {drafts} drafts in {took:.1f} s")

    def _drafts(self, count: int, rng: random.Random) -> list[str]:
        """Drafts whose filer has just seen the review page (which keeps the input it checked)."""
        tokens, rows = [], []
        expires = timezone.now() + timedelta(hours=24)
        variants = []
        for answers in [{**WEB_ANSWERS, "contact": CONTACT}, dict(WEB_ANSWERS)]:
            text = json.dumps(answers)
            reviewed = Draft(language="es", answers=text)
            forms = {name: bound_step_form(name, reviewed, answers) for name in STEP_NAMES}
            if not all(form.is_valid() for form in forms.values()):
                raise CommandError(f"the seeded answers no longer pass the form: {forms}")
            data = complaint_input_from_forms(forms, draft=reviewed, answers=answers)
            variants.append((text, reviewed_submission(data)))
        for n in range(count):
            token = secrets.token_urlsafe(24)
            tokens.append(token)
            answers, submission = variants[0 if n % 3 == 0 else 1]
            rows.append(
                Draft(
                    token_index=blind_index(token, purpose="draft"),
                    language="es",
                    answers=answers,
                    submission=submission,
                    reviewed_version=0,
                    expires_at=expires,
                )
            )
        Draft.objects.bulk_create(rows, batch_size=1000)
        return tokens
