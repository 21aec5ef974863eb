"""Nothing a person submits is lost when the broker is down: the submission and its receipt
commit, the request answers normally, and the beat jobs file the complaint and send the messages
later."""

import re

import pytest

from config.celery import app
from intake.models import Complaint, Draft
from intake.services import drafts_file_pending
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
    page = client.get(f"/es/complaint/{token}/receipt/").content.decode()
    receipt = "".join(re.search(r'class="receipt"[^>]*>([\d ]+)<', page).group(1).split())
    # Accepted, not filed: the task that files it never reached a broker.
    assert not Complaint.objects.exists()
    status = client.post("/es/status/", {"receipt": receipt})
    assert status.status_code == 200
    assert status.context["pending"]
    # The filer saves their number and leaves; the submission stays until it is filed.
    assert client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"}).status_code == 200
    assert Draft.objects.filter(complaint__isnull=True).count() == 1

    assert drafts_file_pending() == 1  # beat, seconds later
    complaint = Complaint.objects.get()
    assert client.post("/es/status/", {"receipt": receipt}).context["complaint"] == complaint
    assert not Draft.objects.exists()
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
