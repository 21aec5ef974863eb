import pytest

from messaging.models import OutboundMessage
from messaging.services import MAX_ATTEMPTS, opt_out_record, outbound_queue, outbound_send

pytestmark = pytest.mark.django_db


class BrokenTransport:
    def send(self, *, to, body, channel="sms"):
        raise ValueError(f"The 'To' number {to} is not a valid phone number")


def test_a_message_is_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbound_queue(channel="sms", to="+17135550101", body="hola", purpose="test")
    message.refresh_from_db()
    assert message.status == "sent"
    assert outbound_send(message_id=message.pk) is None


def test_nothing_is_sent_to_an_address_that_opted_out():
    opt_out_record(channel="sms", address="+17135550101", keyword="STOP")
    message = outbound_queue(channel="sms", to="+1 713 555 0101", body="hola", purpose="test")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "skipped"


def test_a_failing_message_keeps_no_address_in_its_error_and_is_wiped_when_it_gives_up(settings):
    settings.SMS_TRANSPORT = "tests.messaging.test_outbox.BrokenTransport"
    message = outbound_queue(channel="sms", to="+17135550101", body="Your number is 1234", purpose="t", sensitive=True)
    for _ in range(MAX_ATTEMPTS):
        OutboundMessage.objects.filter(pk=message.pk).update(status="pending", next_attempt_at=message.created_at)
        outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "5550101" not in message.last_error
    assert message.body == ""


def test_a_message_whose_every_try_was_cut_off_is_not_sent_again_and_again(settings):
    """Each try's worker killed (a claim run out each time): after MAX_ATTEMPTS no more copies."""
    settings.SMS_TRANSPORT = "tests.messaging.test_outbox.BrokenTransport"  # would raise if called
    message = outbound_queue(channel="sms", to="+17135550101", body="Your number is 1234", purpose="t", sensitive=True)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=MAX_ATTEMPTS, next_attempt_at=message.created_at
    )
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.body) == ("failed", MAX_ATTEMPTS, "")
