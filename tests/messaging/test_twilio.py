import pytest
from twilio.request_validator import RequestValidator

from messaging.models import OutboundMessage
from messaging.selectors import is_opted_out
from messaging.services import outbound_queue, outbound_resend_pending, outbound_send
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db
SID = "AC" + "1" * 32
TOKEN = "test-auth-token"


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as fake:
        settings.SMS_TRANSPORT = "messaging.transports.TwilioTransport"
        settings.TWILIO_API_BASE = fake.url
        settings.TWILIO_ACCOUNT_SID = SID
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.TWILIO_SMS_FROM = "+15550009999"
        settings.TWILIO_WHATSAPP_FROM = "whatsapp:+15550009998"
        settings.PUBLIC_BASE_URL = "https://voces.example.org"
        yield fake


def send(channel="sms", to="+17135550101", body="Voces: hola", sensitive=False) -> OutboundMessage:
    message = outbound_queue(channel=channel, to=to, body=body, purpose="test", sensitive=sensitive)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_a_message_goes_to_twilio_with_a_delivery_callback(twilio):
    message = send()
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == f"{SID}:{TOKEN}"
    assert request["form"]["To"] == "+17135550101"
    assert request["form"]["From"] == "+15550009999"
    assert request["form"]["Body"] == "Voces: hola"
    assert request["form"]["StatusCallback"] == f"https://voces.example.org/twilio/status/?m={message.pk}"
    assert message.status == "sent"
    assert message.provider_id.startswith("SM")


def test_whatsapp_goes_from_the_whatsapp_sender(twilio):
    from messaging.services import inbound_receive

    inbound_receive(channel="whatsapp", provider_id="SMwin0", from_address="whatsapp:+17135550101", body="hola")
    send(channel="whatsapp", to="+17135550101")
    form = twilio.requests[0]["form"]
    assert form["To"] == "whatsapp:+17135550101"
    assert form["From"] == "whatsapp:+15550009998"


def test_an_opted_out_recipient_is_recorded_and_never_messaged_again(twilio):
    twilio.failures.append((400, 21610))
    message = send(sensitive=True)
    assert message.status == "skipped"
    assert message.error_code == 21610
    assert message.body == ""
    assert is_opted_out(channel="sms", address="+17135550101")
    second = send()
    assert second.status == "skipped"
    assert len(twilio.requests) == 1


def test_an_invalid_number_fails_for_good(twilio):
    twilio.failures.append((400, 21211))
    message = send()
    assert message.status == "failed"
    assert message.error_code == 21211
    OutboundMessage.objects.update(created_at="2000-01-01T00:00:00Z")
    assert outbound_resend_pending() == 0


@pytest.mark.parametrize("failure", [(500, None), (429, 20429), (400, 21611)])
def test_a_passing_refusal_is_retried_later_not_at_once(twilio, failure):
    twilio.failures.append(failure)
    message = send(sensitive=True)
    assert message.status == "pending"
    assert message.attempts == 1
    assert message.body  # the receipt is kept for the next attempt
    assert outbound_send(message_id=message.pk) is None  # not due yet: a duplicate task waits
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent"
    assert len(twilio.requests) == 2


def test_a_callback_that_arrives_before_the_send_is_recorded_is_kept(twilio, settings):
    from messaging.services import outbound_status_update

    class EarlyCallbackTransport:
        def send(self, *, to, body, channel="sms", message_id=None):
            from messaging.transports import SendResult

            outbound_status_update(provider_id="SMearly", provider_status="delivered", message_id=message_id)
            return SendResult(provider_id="SMearly", status="queued")

    settings.SMS_TRANSPORT = "tests.messaging.test_twilio.EarlyTransport"
    global EarlyTransport
    EarlyTransport = EarlyCallbackTransport
    message = send()
    assert message.provider_id == "SMearly"
    assert message.status == "delivered"


def test_a_message_left_sending_by_a_dead_worker_is_sent_again(twilio):
    from datetime import timedelta

    from django.utils import timezone

    message = outbound_queue(channel="sms", to="+17135550101", body="hola", purpose="test")
    past = timezone.now() - timedelta(minutes=20)
    OutboundMessage.objects.filter(pk=message.pk).update(status="sending", next_attempt_at=past, created_at=past)
    assert outbound_resend_pending() == 1  # eager: sent at once
    message.refresh_from_db()
    assert message.status == "sent"


def signed_post(client, data, token=TOKEN, url="https://voces.example.org/twilio/status/?m=1"):
    signature = RequestValidator(token).compute_signature(url, data)
    return client.post("/twilio/status/?m=1", data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_delivery_callbacks_only_move_a_message_forward(client, twilio):
    message = send()
    sid = message.provider_id
    assert signed_post(client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 200
    assert signed_post(client, {"MessageSid": sid, "MessageStatus": "sent"}).status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.delivered_at is not None


def test_an_undelivered_callback_records_its_error(client, twilio):
    message = send()
    signed_post(client, {"MessageSid": message.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30006"})
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 30006)


def test_an_unknown_message_or_status_still_gets_200(client, twilio):
    assert signed_post(client, {"MessageSid": "SMnothing", "MessageStatus": "delivered"}).status_code == 200
    assert signed_post(client, {"MessageSid": "SMnothing", "MessageStatus": "exploded"}).status_code == 200
    assert signed_post(client, {}).status_code == 200


@pytest.mark.parametrize("how", ["missing", "wrong token", "other url"])
def test_an_unsigned_or_badly_signed_callback_is_refused_and_changes_nothing(client, twilio, how):
    message = send()
    data = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    if how == "missing":
        response = client.post("/twilio/status/", data)
    elif how == "wrong token":
        response = signed_post(client, data, token="not-the-token")
    else:
        response = signed_post(client, data, url="https://evil.example.org/twilio/status/")
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"


def test_whatsapp_outside_the_24_hours_goes_by_sms_without_a_template(twilio):
    message = send(channel="whatsapp", to="whatsapp:+17135550101", body="Voces: hola")
    assert message.status == "failed" and message.error_code == 63016 and not message.body
    sms = OutboundMessage.objects.get(channel="sms")
    outbound_send(message_id=sms.pk)
    [request] = twilio.requests
    assert request["form"]["To"] == "+17135550101" and request["form"]["Body"] == "Voces: hola"


def test_whatsapp_outside_the_24_hours_uses_the_configured_template(twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "5" * 32
    message = send(channel="whatsapp", to="whatsapp:+17135550101", body="Voces: hola")
    assert message.status == "sent"
    [request] = twilio.requests
    assert request["form"]["ContentSid"] == settings.TWILIO_WHATSAPP_TEMPLATE_SID
    assert "Body" not in request["form"] and "Voces: hola" in request["form"]["ContentVariables"]


def test_whatsapp_within_the_24_hours_is_free_form(twilio):
    from messaging.services import inbound_receive

    inbound_receive(channel="whatsapp", provider_id="SMwin1", from_address="whatsapp:+17135550101", body="hola")
    message = send(channel="whatsapp", to="whatsapp:+17135550101", body="Voces: hola")
    [request] = twilio.requests
    assert message.status == "sent" and request["form"]["Body"] == "Voces: hola"
    assert request["form"]["To"] == "whatsapp:+17135550101"


def test_a_late_63016_callback_sends_a_discreet_message_by_sms(twilio, client):
    from messaging.services import inbound_receive, outbound_status_update

    inbound_receive(channel="whatsapp", provider_id="SMwin2", from_address="whatsapp:+17135550101", body="hola")
    message = send(channel="whatsapp", to="whatsapp:+17135550101", body="Voces: hola")
    outbound_status_update(provider_id=message.provider_id, provider_status="failed", error_code="63016")
    assert OutboundMessage.objects.get(channel="sms").body == "Voces: hola"


def test_a_sending_number_keeps_to_its_messages_per_second(twilio, settings, redis_url):
    from messaging.services import outbound_sender_wait

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TWILIO_SENDS_PER_SECOND = 1
    first = outbound_queue(channel="sms", to="+17135550101", body="a", purpose="test")
    second = outbound_queue(channel="sms", to="+17135550102", body="b", purpose="test")
    waits = [outbound_sender_wait(message_id=first.pk), outbound_sender_wait(message_id=second.pk)]
    assert waits[0] == 0 and 1 <= waits[1] < 2


def test_a_receipt_for_whatsapp_outside_the_24_hours_is_never_sent_by_sms(twilio):
    message = send(channel="whatsapp", to="whatsapp:+17135550101", body="Voces: 4821 5530 1968 2207", sensitive=True)
    assert message.status == "failed" and message.error_code == 63016 and not message.body
    assert not OutboundMessage.objects.filter(channel="sms").exists()
    assert twilio.requests == []
