"""Casework: footage requests with their legal clock (the first part of issue 7; incidents, the
triage queue and the staff area come next). Every status change is an appended event."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import workflow
from intake import choices as intake_choices
from privacy.fields import EncryptedTextField


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
