"""Casework: incidents, internal notes, contact attempts, referrals to oversight bodies, footage
requests with their legal clock and redaction checklist. Every status change is an appended
event; staff's free words are encrypted."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import workflow
from intake import choices as intake_choices
from privacy.fields import EncryptedCharField, EncryptedTextField


class Incident(models.Model):
    """One enforcement action that several complaints (and footage requests) describe."""

    reference = models.CharField(max_length=16, unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    field_office = models.ForeignKey("intake.FieldOffice", null=True, blank=True, on_delete=models.PROTECT)
    agency = models.CharField(max_length=16, choices=intake_choices.Agency.choices, blank=True)
    summary = EncryptedTextField(blank=True)  # staff's words, may name people
    complaints = models.ManyToManyField("intake.Complaint", blank=True, related_name="incidents")
    tags = models.JSONField(default=list, blank=True)
    survey_responses = models.ManyToManyField("surveys.Response", blank=True, related_name="incidents")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_incidents"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["field_office", "starts_on"], name="incident_office_start")]

    def __str__(self) -> str:
        return self.reference


class FootageRequest(models.Model):
    class Status(models.TextChoices):
        RECEIVED = workflow.RECEIVED, pgettext_lazy("footage request", "Received")
        ACKNOWLEDGED = workflow.ACKNOWLEDGED, _("Acknowledged")
        SEARCHING = workflow.SEARCHING, _("Searching for footage")
        FOOTAGE_LOCATED = workflow.FOOTAGE_LOCATED, _("Footage found")
        NO_FOOTAGE = workflow.NO_FOOTAGE, _("No footage")
        REDACTION_REVIEW = workflow.REDACTION_REVIEW, _("Redaction review")
        RELEASED_FULL = workflow.RELEASED_FULL, _("Released in full")
        RELEASED_PARTIAL = workflow.RELEASED_PARTIAL, _("Released in part")
        DENIED = workflow.DENIED, _("Denied")
        WITHDRAWN = workflow.WITHDRAWN, _("Withdrawn")
        REFERRED = workflow.REFERRED, _("Referred")
        APPEALED = workflow.APPEALED, _("Appealed")
        APPEAL_DECIDED = workflow.APPEAL_DECIDED, _("Appeal decided")

    class Requester(models.TextChoices):
        SUBJECT = "subject", _("Person filmed")
        FAMILY = "family", _("Family member")
        ATTORNEY = "attorney", _("Attorney")
        ADVOCACY = "advocacy", _("Advocacy group")
        JOURNALIST = "journalist", _("Journalist")
        PUBLIC = "public", _("Member of the public")

    class Basis(models.TextChoices):
        FOIA = "foia", _("Freedom of Information Act")
        PRIVACY_ACT = "privacy_act", _("Privacy Act")
        LITIGATION = "litigation", _("Litigation")
        INTERNAL = "internal", _("Internal review")

    class ExpeditedGround(models.TextChoices):
        LIFE_OR_SAFETY = "life_or_safety", _("A threat to someone's life or safety")
        URGENCY_TO_INFORM = "urgency_to_inform", _("Urgent need to inform the public")
        DUE_PROCESS = "due_process", _("A court case or hearing coming soon")
        OTHER = "other", pgettext_lazy("expedited ground", "Other reason")

    class NoFootage(models.TextChoices):
        NOT_WORN = "camera_not_worn", _("Camera not worn")
        NOT_ACTIVATED = "not_activated", _("Camera not turned on")
        MALFUNCTION = "malfunction", _("Camera did not work")
        DELETED = "deleted", _("Footage deleted")
        NOT_COVERED = "activity_not_covered", _("Activity not filmed")

    reference = models.CharField(max_length=16, unique=True)
    complaint = models.ForeignKey(
        "intake.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="footage_requests"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="footage_requests"
    )
    requester_type = models.CharField(max_length=16, choices=Requester.choices)
    # Whom the decision letter is addressed to; encrypted, masked on pages like a filer's details.
    requester_name = EncryptedCharField(max_length=200, blank=True)
    requester_email = EncryptedCharField(max_length=254, blank=True)
    requester_address = EncryptedTextField(blank=True)
    expedited_ground = models.CharField(max_length=24, choices=ExpeditedGround.choices, blank=True)
    legal_basis = models.CharField(max_length=16, choices=Basis.choices, default=Basis.FOIA)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    received_on = models.DateField()
    perfected_on = models.DateField(null=True, blank=True)  # complete: the clock starts
    extended_on = models.DateField(null=True, blank=True)  # written notice of unusual circumstances
    expedited_requested = models.BooleanField(default=False)
    expedited_granted = models.BooleanField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    no_footage_reason = models.CharField(max_length=24, choices=NoFootage.choices, blank=True)
    exemptions = models.JSONField(default=list, blank=True)
    hold_issued_on = models.DateField()
    hold_until = models.DateField()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)  # a stale page's change is refused
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "perfected_on"], name="footage_status_perfected")]

    def __str__(self) -> str:
        return self.reference


class FootagePause(models.Model):
    """The clock stopped while waiting on the requester (information, fees)."""

    request = models.ForeignKey(FootageRequest, on_delete=models.CASCADE, related_name="pauses")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} paused {self.started_on}–{self.ended_on or '…'}"


class FootageEvent(models.Model):
    """A status change, appended, never edited."""

    request = models.ForeignKey(FootageRequest, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=FootageRequest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class RedactionItem(models.Model):
    """One line of a footage request's redaction checklist: done or not applicable, and by whom."""

    class Item(models.TextChoices):
        BYSTANDER_FACES = "bystander_faces", _("Faces of bystanders")
        MINORS = "minors", _("Children (minors)")
        MEDICAL = "medical", _("Medical information")
        HOME_INTERIORS = "home_interiors", _("Inside of homes")
        ADDRESSES = "addresses", _("Addresses and locations")
        PLATES = "plates", _("License plates")
        VICTIMS_WITNESSES = "victims_witnesses", _("Names and faces of victims and witnesses")
        OFFICERS = "officers", _("Officers whose identity is protected")

    class State(models.TextChoices):
        PENDING = "pending", _("Not checked yet")
        DONE = "done", _("Redacted")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    request = models.ForeignKey(FootageRequest, on_delete=models.CASCADE, related_name="redaction_items")
    item = models.CharField(max_length=24, choices=Item.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "item"], name="redaction_unique_item")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.item} {self.state}"


class CaseNote(models.Model):
    """An internal note by staff on a complaint. Never shown to the filer or to auditors."""

    complaint = models.ForeignKey("intake.Complaint", on_delete=models.CASCADE, related_name="case_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note on {self.complaint_id}"


class ContactAttempt(models.Model):
    """Staff tried to reach the filer: how, and what happened."""

    class Method(models.TextChoices):
        CALL = "call", _("Phone call")
        TEXT = "text", _("Text message")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("Email")

    class Result(models.TextChoices):
        REACHED = "reached", _("Spoke with the person")
        NO_ANSWER = "no_answer", _("No answer")
        LEFT_MESSAGE = "left_message", _("Left a discreet message")
        TEXTED = "texted", _("Sent a discreet text")
        WRONG_PERSON = "wrong_person", _("Wrong person")
        UNSAFE = "unsafe", _("Not safe to talk")

    complaint = models.ForeignKey("intake.Complaint", on_delete=models.CASCADE, related_name="contact_attempts")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=Method.choices)
    result = models.CharField(max_length=16, choices=Result.choices)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.method} {self.result}"


class Referral(models.Model):
    """A complaint sent to an oversight body, with that body's own reference and status."""

    class Body(models.TextChoices):
        DHS_CRCL = "dhs_crcl", _("DHS Office for Civil Rights and Civil Liberties (CRCL)")
        DHS_OIG = "dhs_oig", _("DHS Office of Inspector General (OIG)")
        ICE_OPR = "ice_opr", _("ICE Office of Professional Responsibility (OPR)")
        OTHER = "other", pgettext_lazy("oversight body", "Other")

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        SENT = "sent", pgettext_lazy("referral", "Sent")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("referral", "Acknowledged")
        INVESTIGATING = "investigating", _("Under investigation")
        DECLINED = "declined", _("Declined")
        CLOSED = "closed", pgettext_lazy("referral", "Closed")

    complaint = models.ForeignKey("intake.Complaint", on_delete=models.PROTECT, related_name="referrals")
    body = models.CharField(max_length=16, choices=Body.choices)
    body_other = models.CharField(max_length=200, blank=True)
    external_reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARING)
    sent_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.body}"


class ReminderSent(models.Model):
    """A reminder email already sent, so that a beat run repeated (or two beats) sends it once."""

    key = models.CharField(max_length=120, unique=True)  # e.g. "digest:<user id>:2026-11-28"
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class Transcript(models.Model):
    """A caller's recording written out (transcript) or put into another language (translation)
    by staff, with who entered it and how it was made: by a person, or by a machine named, so
    that whoever reads it knows how far to trust it."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        TRANSLATION = "translation", _("Translation")

    class Method(models.TextChoices):
        PERSON = "person", _("By a person")
        MACHINE = "machine", _("By a machine")

    complaint = models.ForeignKey("intake.Complaint", on_delete=models.CASCADE, related_name="transcripts")
    attachment = models.ForeignKey(
        "intake.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # One of the site's languages, or "" with the caller's own naming in language_other ("Mam").
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)
    language_other = models.CharField(max_length=100, blank=True)
    text = EncryptedTextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=Method.choices)
    machine_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(method="machine", machine_name=""), name="transcript_machine_named"
            ),
            models.CheckConstraint(
                condition=~models.Q(language="", language_other=""), name="transcript_language_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.complaint_id}"

    @property
    def language_label(self) -> str:
        return self.language_other if not self.language else str(self.get_language_display())
