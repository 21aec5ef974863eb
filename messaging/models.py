from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedCharField


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
