"""Email in through django-anymail: an email is a complaint (its words and checked files), stored
once per Message-ID, answered with a discreet receipt in its language (else English and
Spanish); delivery events move the outbox forward."""

import io

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from django.core import mail
from django.test import TestCase
from PIL import Image

from intake.models import Attachment, Complaint
from messaging.models import InboundMessage, OutboundMessage
from messaging.selectors import is_opted_out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


def photo_with_location() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (29.0, 45.0, 36.0)}  # GPS latitude
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def receive(text="", *, sender="maria@example.org", message_id="<a1@example.org>", subject="", attachments=()):
    message = AnymailInboundMessage.construct(
        from_email=sender,
        to="quejas@voces.example.org",
        subject=subject,
        text=text,
        headers=[("Message-ID", message_id)] if message_id else None,
        attachments=list(attachments),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbound.send(sender=None, event=AnymailInboundEvent(message=message, event_type="inbound"), esp_name="Test")


def attachment(name, content_type, data):
    return AnymailInboundMessage.construct_attachment(content_type, data, filename=name)


def test_an_email_becomes_a_complaint_with_its_checked_files_and_a_spanish_receipt():
    receive(
        "Hola. Ayer entraron a mi casa sin permiso y se llevaron mis papeles.",
        subject="Ayuda",
        attachments=[
            attachment("foto.jpg", "image/jpeg", photo_with_location()),
            attachment("programa.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 100),
        ],
    )
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.language == "es"
    assert "entraron a mi casa" in complaint.narrative and "Ayuda" in complaint.narrative
    assert complaint.filer_role == "unknown"
    assert complaint.contact.email == "maria@example.org"
    [kept] = Attachment.objects.filter(complaint=complaint)  # the program was refused
    assert kept.kind == "image" and kept.clean_file
    [reply] = mail.outbox
    assert reply.to == ["maria@example.org"]
    assert "número" in reply.body.lower() or "numero" in reply.body.lower()
    digits = "".join(ch for ch in reply.body if ch.isdigit())
    assert len(digits) == 16
    assert "casa" not in reply.body and "ICE" not in reply.body  # discreet
    assert not OutboundMessage.objects.get().body  # the receipt is wiped once sent


def test_an_email_whose_language_cannot_be_told_is_answered_in_english_and_spanish():
    receive("4471 TX 9KD-221 6:00", message_id="<a2@example.org>")
    [reply] = mail.outbox
    assert "number" in reply.body and "número" in reply.body
    assert Complaint.objects.get().language == "en"


def test_the_same_email_delivered_twice_is_one_complaint_and_one_reply():
    receive("Bonjour, des agents sont entrés chez nous.", message_id="<same@example.org>")
    receive("Bonjour, des agents sont entrés chez nous.", message_id="<same@example.org>")
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(mail.outbox) == 1
    assert Complaint.objects.get().language == "fr"


def test_an_email_without_a_message_id_is_deduplicated_on_its_content():
    receive("Xin chào, họ đã vào nhà tôi.", message_id="")
    receive("Xin chào, họ đã vào nhà tôi.", message_id="")
    assert Complaint.objects.count() == 1


def test_delivery_events_move_the_outbox_forward_and_an_unsubscribe_is_an_opt_out():
    receive("Hola, necesito ayuda.", message_id="<a3@example.org>")
    message = OutboundMessage.objects.get()
    assert message.status == "sent" and message.provider_id

    def event(kind):
        tracking.send(
            sender=None,
            event=AnymailTrackingEvent(event_type=kind, message_id=message.provider_id, recipient="maria@example.org"),
            esp_name="Test",
        )

    event("delivered")
    message.refresh_from_db()
    assert message.status == "delivered"
    event("queued")  # late and out of order: never moves back
    message.refresh_from_db()
    assert message.status == "delivered"
    event("unsubscribed")
    assert is_opted_out(channel="email", address="maria@example.org")


def test_the_email_webhook_refuses_a_request_without_the_secret(client, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ["voces:s3cret"]}
    response = client.post("/anymail/postmark/inbound/", data="{}", content_type="application/json")
    assert response.status_code in (400, 401, 403)
    assert not InboundMessage.objects.exists()


def test_photos_sent_inline_are_kept_and_automatic_mail_is_not_filed():
    message = AnymailInboundMessage.construct(
        from_email="maria@example.org", to="quejas@voces.example.org", text="Hola, les mando la foto.",
        headers=[("Message-ID", "<inline@example.org>")],
    )  # fmt: skip
    part = AnymailInboundMessage.construct_attachment("image/jpeg", photo_with_location(), filename="f.jpg")
    part.replace_header("Content-Disposition", 'inline; filename="f.jpg"')
    part.add_header("Content-ID", "<photo1>")
    message.attach(part)
    assert message.inlines and not message.attachments
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbound.send(sender=None, event=AnymailInboundEvent(message=message, event_type="inbound"), esp_name="Test")
    assert Attachment.objects.filter(complaint=Complaint.objects.get()).count() == 1
    receive("I am out of the office.", message_id="<auto@example.org>", sender="mailer-daemon@example.org")
    assert Complaint.objects.count() == 1


def test_an_email_nobody_can_answer_is_not_a_500():
    message = AnymailInboundMessage.construct(to="quejas@voces.example.org", text="hola")
    message.replace_header("From", "undisclosed-recipients:;") if message["From"] else message.add_header(
        "From", "undisclosed-recipients:;"
    )
    inbound.send(sender=None, event=AnymailInboundEvent(message=message, event_type="inbound"), esp_name="Test")
    assert not Complaint.objects.exists()


def test_a_large_email_from_the_provider_is_read_not_refused(client, settings):
    import base64
    import json

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ["voces:s3cret"]}
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 700_000).decode()
    payload = {
        "FromFull": {"Email": "maria@example.org", "Name": ""}, "To": "quejas@voces.example.org",
        "ToFull": [{"Email": "quejas@voces.example.org", "Name": ""}], "Subject": "Ayuda",
        "TextBody": "Hola, entraron a mi casa.", "Headers": [{"Name": "Message-ID", "Value": "<big@example.org>"}],
        "Attachments": [{"Name": "f.jpg", "Content": photo, "ContentType": "image/jpeg", "ContentLength": 700004}],
    }  # fmt: skip
    auth = "Basic " + base64.b64encode(b"voces:s3cret").decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/anymail/postmark/inbound/", json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
        )
    assert response.status_code == 200
    assert Complaint.objects.get().channel == "email"


def test_many_emails_from_one_address_are_filed_but_not_all_answered():
    for n in range(8):
        receive(f"Hola, mensaje {n}: entraron a mi casa.", message_id=f"<many{n}@example.org>")
    assert Complaint.objects.count() == 8  # nothing lost
    assert len(mail.outbox) == 5  # a forged sender cannot turn us into a mailer against its victim
