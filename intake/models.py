import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from intake import choices
from privacy.fields import EncryptedCharField, EncryptedFileRefField, EncryptedTextField


class FieldOffice(models.Model):
    """An ICE Enforcement and Removal Operations field office and the states it covers.

    Seed data loaded by a migration from intake/data/ice_field_offices.csv; staff may edit it, as
    office boundaries change. Where several offices share a state, the state alone cannot decide.
    """

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    states = models.JSONField(default=list, help_text="Two-letter state codes")
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Complaint(TimeStampedModel):
    """One complaint. Structured facts stay queryable for statistics; words and contact are encrypted."""

    reference = models.CharField(max_length=16, unique=True)
    receipt_index = models.CharField(max_length=64, unique=True)
    submission_key = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=16, choices=choices.Channel.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    filer_role = models.CharField(max_length=24, choices=choices.FilerRole.choices)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    on_behalf_organization = models.CharField(max_length=200, blank=True)
    on_behalf_consent_at = models.DateTimeField(null=True, blank=True)
    # The consent record of a complaint filed through the API: how consent was obtained and the
    # name of the advocate who obtained it (on_behalf_consent_at is then when they obtained it).
    on_behalf_consent_method = models.CharField(max_length=16, choices=choices.ConsentMethod.choices, blank=True)
    on_behalf_consent_by = EncryptedCharField(max_length=200, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    urgent_flags = models.JSONField(default=list, blank=True)
    is_urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=choices.Status.choices, default=choices.Status.RECEIVED)
    outcome = models.CharField(max_length=24, choices=choices.Outcome.choices, blank=True)

    incident_date = models.DateField(null=True, blank=True)
    date_is_approximate = models.BooleanField(default=False)
    time_of_day = models.CharField(max_length=16, choices=choices.TimeOfDay.choices, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    place_type = models.CharField(max_length=16, choices=choices.PlaceType.choices, blank=True)
    field_office = models.ForeignKey(FieldOffice, null=True, blank=True, on_delete=models.PROTECT)
    agency = models.CharField(max_length=16, choices=choices.Agency.choices, blank=True)

    officer_count = models.PositiveSmallIntegerField(null=True, blank=True)
    officer_names = EncryptedTextField(blank=True)
    badge_numbers = EncryptedTextField(blank=True)
    vehicle_plates = EncryptedTextField(blank=True)
    markings = EncryptedTextField(blank=True)
    officers_masked = models.CharField(max_length=8, choices=choices.Masked.choices, blank=True)
    body_camera_seen = models.CharField(max_length=8, choices=choices.YesNoUnknown.choices, blank=True)
    body_camera_recording = models.CharField(max_length=8, choices=choices.YesNoUnknown.choices, blank=True)

    adults_count = models.PositiveSmallIntegerField(null=True, blank=True)
    children_count = models.PositiveSmallIntegerField(null=True, blank=True)
    injuries = models.CharField(max_length=8, choices=choices.YesNoUnknown.choices, blank=True)
    injuries_description = EncryptedTextField(blank=True)
    medical_care = models.CharField(max_length=16, choices=choices.MedicalCare.choices, blank=True)
    taken_into_custody = models.CharField(max_length=8, choices=choices.YesNoUnknown.choices, blank=True)
    witnesses = EncryptedTextField(blank=True)

    narrative = EncryptedTextField(blank=True)
    wants = models.JSONField(default=list, blank=True)

    is_anonymous = models.BooleanField(default=True)
    # A caller who chose "another language" on the phone: their recording needs an interpreter
    # (`language` is then the language the call was spoken in, not theirs).
    needs_interpreter = models.BooleanField(default=False)
    consent_contact = models.BooleanField(default=False)
    consent_share_oversight = models.BooleanField(default=False)
    consent_statistics = models.BooleanField(default=False)
    # When the filer's contact details were erased under the retention rule (RETENTION_CONTACT_DAYS
    # after closing; intake.services.complaints_purge_contact): done once.
    contact_purged_at = models.DateTimeField(null=True, blank=True)
    # Photos and files sent by MMS or WhatsApp not fetched from Twilio yet (their URLs): written with
    # the complaint, so a task lost with the broker or a worker is sent again by beat's sweep.
    media_pending = models.JSONField(default=list, blank=True, db_default=[])

    age_range = models.CharField(max_length=16, choices=choices.AgeRange.choices, blank=True)
    gender = models.CharField(max_length=16, choices=choices.Gender.choices, blank=True)
    race_ethnicity = models.JSONField(default=list, blank=True)

    # Casework (staff): who works on it, when it must be acknowledged (service level), and a
    # version that a stale page's change is refused by.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_complaints"
    )
    ack_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    version = models.PositiveIntegerField(default=1)
    # The queue's order (urgent first, then oldest) as one ascending key, so that keyset
    # pagination is a single row-value comparison on the queue index.
    queue_rank = models.GeneratedField(
        expression=models.Case(models.When(is_urgent=True, then=0), default=1),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "-is_urgent", "created_at"], name="complaint_queue_idx"),
            models.Index(fields=["queue_rank", "created_at", "id"], name="complaint_rank_idx"),
            models.Index(fields=["assignee", "queue_rank", "created_at", "id"], name="complaint_assignee_idx"),
            # The queue shows open complaints by default; most complaints of past years are closed.
            models.Index(
                fields=["queue_rank", "created_at", "id"],
                name="complaint_open_rank_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(
                fields=["field_office", "queue_rank", "created_at", "id"],
                name="complaint_open_office_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(fields=["ack_due_at"], name="complaint_ack_due_idx", condition=models.Q(acknowledged_at=None)),
            models.Index(fields=["state", "incident_date"], name="complaint_place_date_idx"),
            # The retention job's candidates: closed, contact not erased yet.
            models.Index(
                fields=["id"],
                name="complaint_purge_due_idx",
                condition=models.Q(status="closed", contact_purged_at=None),
            ),
            models.Index(
                fields=["created_at"], name="complaint_media_pending_idx", condition=~models.Q(media_pending=[])
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status == choices.Status.CLOSED


class Allegation(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="allegations")
    kind = models.CharField(max_length=24, choices=choices.Allegation.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "kind"], name="allegation_unique_kind")]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.kind}"


class ComplaintContact(models.Model):
    """How to reach the filer. A row of its own so that retention can delete it whole."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="contact")
    name = EncryptedCharField(max_length=200, blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    email = EncryptedCharField(max_length=254, blank=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    preferred_method = models.CharField(max_length=16, choices=choices.ContactMethod.choices, blank=True)
    safe_to_message = models.BooleanField(default=False)
    best_times = EncryptedCharField(max_length=200, blank=True)
    alternate_contact = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"contact of {self.complaint_id}"


class ComplaintEvent(models.Model):
    """One step in a complaint's history. Appended, never edited."""

    class Kind(models.TextChoices):
        STATUS = "status", "status"
        INFO_ADDED = "info_added", "information added"
        ASSIGNED = "assigned", "assigned"
        MERGED = "merged", "merged"
        CALL_DROPPED = "call_dropped", "phone call ended before the end"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATUS)
    status = models.CharField(max_length=16, choices=choices.Status.choices)
    outcome = models.CharField(max_length=24, choices=choices.Outcome.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.status}"


class ComplaintNote(models.Model):
    """More information a filer added after submitting, in their own words."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="filer_notes")
    text = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"note on {self.complaint_id}"


class Draft(models.Model):
    """A web complaint between steps: encrypted answers, found by a hash of the token in its URL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_index = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    answers = EncryptedTextField(default="{}")
    answers_version = models.PositiveIntegerField(default=0)
    # The input the review page checked, built from answers_version = reviewed_version; sending it
    # accepts the draft, and a worker files it as a complaint.
    submission = EncryptedTextField(blank=True, default="")
    reviewed_version = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Sweeps that failed to file it (a bug, a deploy that changed the input): it waits, logged.
    filing_attempts = models.PositiveSmallIntegerField(default=0)
    filing_tried_at = models.DateTimeField(null=True, blank=True)
    complaint = models.OneToOneField(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept until the filer says it is saved, so a lost response or a double click can show it again.
    receipt = EncryptedCharField(max_length=32, blank=True)
    receipt_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"draft {self.id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Attachment(models.Model):
    """A file a filer sent. Both the original and the cleaned copy are stored encrypted, outside
    any public URL; the SHA-256 of the original bytes is the chain-of-custody fingerprint."""

    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=choices.AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    original_name = EncryptedCharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_file = EncryptedFileRefField()
    clean_file = EncryptedFileRefField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class VoiceCall(TimeStampedModel):
    """One phone call to the complaint line (intake/voice.py), one row per CallSid: where it is,
    what the caller pressed, and the complaint it became. Twilio's retries find the same row."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"
        INCOMPLETE = "incomplete", "ended before the end"

    call_sid = models.CharField(max_length=64, unique=True)  # a keyed hash of Twilio's CallSid
    from_number = EncryptedCharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, blank=True)  # "" until chosen
    needs_interpreter = models.BooleanField(default=False)
    step = models.CharField(max_length=16, default="menu")
    # Every answer taken moves `turn` on; a callback for another step or turn (a retry) is
    # answered with the current step again and changes nothing.
    turn = models.PositiveIntegerField(default=0)
    tries = models.PositiveSmallIntegerField(default=0)
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    complaint = models.OneToOneField(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="voice_call"
    )
    # Read out again if Twilio asks for the last step twice; wiped when the call ends.
    receipt = EncryptedCharField(max_length=32, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"], name="voicecall_status_idx")]

    def __str__(self) -> str:
        return f"call {self.call_sid[:10]} {self.status}"


class VoiceRecording(models.Model):
    """A recording Twilio made during a call, once per RecordingSid. Fetched (only from Twilio's
    API host for our account) into an encrypted attachment of the call's complaint."""

    class Kind(models.TextChoices):
        STORY = "story", "what happened"
        LANGUAGE_NAME = "language_name", "the caller naming their language"

    class Status(models.TextChoices):
        PENDING = "pending", "announced, not ready yet"
        READY = "ready", "ready to fetch"
        ATTACHED = "attached", "attached"
        ABSENT = "absent", "no sound"
        FAILED = "failed", "failed at Twilio"
        REFUSED = "refused", "URL not on Twilio's host for our account"

    call = models.ForeignKey(VoiceCall, on_delete=models.CASCADE, related_name="recordings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recording_sid = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=300, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attachment = models.OneToOneField(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="voice_recording"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.recording_sid[:10]} {self.status}"


class VoicePrompt(models.Model):
    """A prompt recorded by a person, played instead of a synthetic voice (Haitian Creole has
    none on Twilio). Public audio: it says nothing about any caller."""

    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    step = models.CharField(max_length=16, choices=choices.VoicePromptStep.choices)
    audio = models.FileField(upload_to="voice-prompts/")
    content_type = models.CharField(max_length=32, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["language", "step"], name="voiceprompt_unique_step")]

    def __str__(self) -> str:
        return f"{self.language} {self.step}"
