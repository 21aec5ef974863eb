"""Nothing a person submits is lost when the broker is down: the complaint and its outbox rows
commit, the request answers normally, and the beat job sends the messages later."""

import pytest

from config.celery import app
from intake.models import Complaint
from messaging.models import OutboundMessage
from tests.intake.helpers import walk
from tests.integration.conftest import forget_connections

pytestmark = pytest.mark.django_db(transaction=True)

CONTACT = {
    "contact_choice": "contact",
    "phone": "713 555 0188",
    "safe_to_message": "yes",
    "consent_contact": "on",
    "contact_language": "es",
}


@pytest.fixture
def broker_down():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    forget_connections()
    yield
    app.conf.update(saved)
    forget_connections()


def test_a_complaint_is_saved_and_its_message_kept_while_the_broker_is_down(client, broker_down, settings):
    settings.STAFF_ONDUTY_EMAIL = "duty@voces.test"
    token = walk(client, overrides={"about": {"filer_role": "witness", "urgent": ["medical"]}, "contact": CONTACT})
    response = client.post(f"/es/complaint/{token}/review/")
    assert response.status_code == 302
    assert client.get(f"/es/complaint/{token}/receipt/").status_code == 200
    assert Complaint.objects.count() == 1
    messages = OutboundMessage.objects.all()
    assert sorted(m.purpose for m in messages) == ["complaint.receipt", "complaint.urgent_staff"]
    assert {m.status for m in messages} == {"pending"}


def test_pending_messages_are_sent_by_the_beat_job_once_the_broker_is_back(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.services import outbound_queue, outbound_resend_pending

    message = outbound_queue(channel="sms", to="+17135550188", body="hola", purpose="test")
    # Its first task never reached a broker; a few minutes later beat finds it.
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="pending", created_at=five_minutes_ago, next_attempt_at=five_minutes_ago
    )
    assert outbound_resend_pending() == 1  # eager here: the task runs at once
    message.refresh_from_db()
    assert message.status == "sent"
