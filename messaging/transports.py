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
    """Development transport: writes the message to the log instead of sending it."""

    def send(self, *, to: str, body: str, channel: str = "sms") -> SendResult:
        provider_id = f"console-{uuid.uuid4().hex}"
        logger.info("%s to %s (%s):\n%s", channel.upper(), to, provider_id, body)
        return SendResult(provider_id=provider_id, status="sent")


def get_transport():
    return import_string(settings.SMS_TRANSPORT)()
