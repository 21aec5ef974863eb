from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedCharField, EncryptedTextField


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VOICE = "voice", _("Phone call")
    EMAIL = "email", _("Email")


class OptOut(models.Model):
    """An address that asked not to be messaged again. Found by its blind index, never by value."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    address_index = models.CharField(max_length=64)
    address = EncryptedCharField(max_length=320)
    keyword = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address_index"], name="optout_unique_address")]

    def __str__(self) -> str:
        return f"{self.channel} opt-out {self.address_index[:8]}"


class OutboundMessage(models.Model):
    """One message to send, written in the same transaction as what caused it (the outbox).

    A task sends it after commit; a beat job re-sends rows still pending, so a broker outage delays
    a message but never loses it. Sensitive bodies (a receipt number) are wiped once sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped (opted out)"

    channel = models.CharField(max_length=16, choices=Channel.choices)
    to_index = models.CharField(max_length=64, db_index=True)
    to = EncryptedCharField(max_length=320)
    subject = EncryptedCharField(max_length=200, blank=True)
    body = EncryptedTextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    purpose = models.CharField(max_length=48)
    object_ref = models.CharField(max_length=32, blank=True)
    sensitive = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_pending_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.purpose} {self.status}"


class InboundMessage(models.Model):
    """A message someone sent us, stored once: Twilio's retries carry the same provider id."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    provider_id = models.CharField(max_length=64, unique=True)
    from_index = models.CharField(max_length=64, db_index=True)
    from_address = EncryptedCharField(max_length=320)
    body = EncryptedTextField(blank=True)
    media = EncryptedTextField(blank=True, help_text="JSON list of {url, content_type}")
    keyword = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.channel} {self.provider_id}"


class Conversation(models.Model):
    """Who is talking to us on a channel, in which flow, at which step: one per address. Its state
    (the answers so far) is encrypted; a finished one is deleted, an idle one purged after days."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    address_index = models.CharField(max_length=64)
    address = EncryptedCharField(max_length=320)
    flow = models.CharField(max_length=32)
    state = EncryptedTextField(default="{}")
    language = models.CharField(max_length=8, blank=True)
    last_activity_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address_index"], name="conversation_unique_address")]

    def __str__(self) -> str:
        return f"{self.channel} {self.flow} {self.address_index[:8]}"


class WebhookEndpoint(models.Model):
    """An organisation's HTTPS address, told of changes to the submissions it made. Requests are
    signed with the endpoint's secret (HMAC-SHA256 over "timestamp.body"; see README)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = EncryptedCharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event POSTed to one endpoint, retried with backoff; the delivery log. The payload holds
    references, statuses and dates only, never a person's details."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(db_index=True)
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_delivery_pending", condition=models.Q(status="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Each try of a delivery: when, what the receiver answered, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
