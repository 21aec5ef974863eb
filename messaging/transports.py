"""Outbound SMS transports, chosen by settings.SMS_TRANSPORT."""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str


class ConsoleSmsTransport:
    """Development transport: writes the message to the log instead of sending it. The number is
    masked, and the text (it may carry a receipt) is shown only with DEBUG on."""

    def send(self, *, to: str, body: str, channel: str = "sms") -> SendResult:
        provider_id = f"console-{uuid.uuid4().hex}"
        masked = f"…{to[-2:]}" if len(to) > 2 else "…"
        text = body if settings.DEBUG else f"({len(body)} characters)"
        logger.info("%s to %s (%s):\n%s", channel.upper(), masked, provider_id, text)
        return SendResult(provider_id=provider_id, status="sent")


def get_transport():
    return import_string(settings.SMS_TRANSPORT)()
