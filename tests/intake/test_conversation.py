"""The complaint flow over SMS and WhatsApp: the pure state machine, and whole conversations
through signed Twilio webhooks in Spanish, Haitian Creole, Arabic and Chinese."""

import itertools
from datetime import date, timedelta

import pytest
from django.test import TestCase
from django.utils import timezone, translation
from twilio.request_validator import RequestValidator

from intake.conversation import HARMS, PROMPTS, ComplaintFlow, language_of
from intake.models import Complaint
from messaging.flows import Context
from messaging.models import Conversation, InboundMessage

TOKEN = "test-auth-token"
URL = "https://voces.example.org/twilio/sms/"
SENT: list[dict] = []
TODAY = date(2026, 11, 28)  # a Saturday


class RecordingTransport:
    """Records what would go to Twilio."""

    def send(self, *, to, body, channel="sms", message_id=None):
        from messaging.transports import SendResult

        SENT.append({"to": to, "body": body, "channel": channel})
        return SendResult(provider_id=f"SMtest{len(SENT)}", status="sent")


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    settings.SMS_TRANSPORT = "tests.intake.test_conversation.RecordingTransport"
    SENT.clear()


SIDS = itertools.count(1)


def text(client, body, sender="+17135550101"):
    """One message from a phone, signed as Twilio signs it; the tasks it causes run (eager)."""
    data = {"MessageSid": f"SM{next(SIDS):032d}", "From": sender, "To": "+15550009999", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    SENT.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    return [sent["body"] for sent in SENT]


def context(idle=None):
    return Context(today=TODAY, idle=idle, channel="sms", address="+17135550101", conversation_id=1, message_id=1)


# The pure flow ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first,language",
    [("Hola", "es"), ("Bonjou", "ht"), ("Bonjour, j'ai besoin d'aide", "fr"), ("Olá", "pt"), ("你好", "zh-hans"),
     ("مرحبا", "ar"), ("Здравствуйте", "ru"), ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "pa"), ("Xin chào", "vi"), ("Hello", "en"),
     ("4821", None), ("ok", None)],
)  # fmt: skip
def test_the_first_message_tells_the_language_when_it_can(first, language):
    assert language_of(first) == language


def test_an_unknown_first_message_gets_the_numbered_language_menu():
    turn = ComplaintFlow().step(None, "ok", context())
    menu = turn.replies[0].text
    assert "1 English" in menu and "2 Español" in menu and "6 简体中文" in menu or "6 中文" in menu
    assert "10 ਪੰਜਾਬੀ" in menu
    turn = ComplaintFlow().step(turn.state, "4", context())
    assert turn.state["language"] == "ht"
    assert turn.state["step"] == "who"


def walk(steps, first="Hola"):
    flow, turn = ComplaintFlow(), None
    turn = flow.step(None, first, context())
    for reply in steps:
        turn = flow.step(turn.state, reply, context())
    return turn


SPANISH = ["1", "Entraron a mi casa sin permiso.", "Empujaron a mi hijo.", "listo", "ayer", "Houston, TX", "1 3",
           "sí", "no", "2", "1"]  # fmt: skip


def test_a_spanish_conversation_collects_every_answer():
    turn = walk(SPANISH)
    answers = turn.state["answers"]
    assert answers == {
        "filer_role": "person_affected",
        "narrative": "Entraron a mi casa sin permiso.\nEmpujaron a mi hijo.",
        "incident_date": "2026-11-27",
        "city": "Houston",
        "state": "TX",
        "allegations": ["excessive_force", "unlawful_entry"],
        "body_camera_seen": "yes",
        "body_camera_recording": "no",
        "children_count": 2,
        "contact": True,
    }
    assert turn.state["step"] == "confirm"
    summary = turn.replies[0].text
    assert "Houston, TX" in summary and "2026" in summary
    assert "fuerza" not in summary.lower() and "casa" not in summary.lower()  # discreet: no allegation
    final = ComplaintFlow().step(turn.state, "1", context())
    assert final.action == ("file", "") and final.finished


def test_an_ambiguous_date_is_asked_back():
    turn = walk(["1", "algo pasó", "listo", "3/10"])
    assert turn.state["step"] == "when_which"
    assert "1" in turn.replies[0].text and "2" in turn.replies[0].text
    turn = ComplaintFlow().step(turn.state, "2", context())
    assert turn.state["answers"]["incident_date"] == "2026-03-10"  # day first in Spanish: option 1 is 3 Oct


def test_help_back_and_restart_work_at_any_step():
    turn = walk(["1", "algo pasó", "listo"])
    assert turn.state["step"] == "when"
    helped = ComplaintFlow().step(turn.state, "AYUDA", context())
    assert helped.state["step"] == "when" and len(helped.replies) == 2
    back = ComplaintFlow().step(turn.state, "atrás", context())
    assert back.state["step"] == "story"
    again = ComplaintFlow().step(back.state, "Reiniciar", context())
    assert again.state["step"] == "who" and again.state["answers"] == {}


def test_a_reply_not_understood_asks_again_without_moving_on():
    turn = walk(["1", "algo pasó", "listo", "ayer", "Houston, TX"])
    again = ComplaintFlow().step(turn.state, "muchas cosas", context())
    assert again.state["step"] == "harms"
    assert again.replies


def test_a_conversation_idle_for_a_day_is_resumed_or_restarted():
    turn = walk(["1", "algo pasó", "listo"])
    later = ComplaintFlow().step(turn.state, "ayer", context(idle=timedelta(hours=25)))
    assert later.state["step"] == "resume"
    resumed = ComplaintFlow().step(later.state, "1", context())
    assert resumed.state["step"] == "when"
    assert resumed.state["answers"]["narrative"] == "algo pasó"
    restarted = ComplaintFlow().step(later.state, "2", context())
    assert restarted.state["step"] == "who" and restarted.state["answers"] == {}


def test_status_with_a_number_is_an_action():
    turn = ComplaintFlow().step(walk(["1"]).state, "ESTADO 4821 5530 1968 2207", context())
    assert turn.action == ("status", "ESTADO 4821 5530 1968 2207".replace("ESTADO", "ESTADO"))
    assert turn.state["step"] == "story"


# Whole conversations through signed webhooks --------------------------------------------------

CONVERSATIONS = {
    "es": ["Hola", "1", "Entraron a mi casa a las 6.", "Empujaron a mi hijo.", "listo", "ayer", "Houston, TX",
           "1 3", "sí", "no", "2", "1"],
    "ht": ["Bonjou", "2", "Yo antre lakay nou san pèmisyon.", "fini", "yè", "Miami, FL", "3", "non", "0", "1"],
    "ar": ["مرحبا", "٣", "دخلوا البيت وكسروا الباب.", "تم", "أمس", "Dearborn, MI", "٣ ٤", "لا", "١", "٢"],
    "zh-hans": ["你好", "1", "他们在我工作的地方抓人。", "完成", "昨天", "Flushing, NY", "2 7", "3", "0", "1"],
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_a_whole_conversation_files_a_complaint_and_its_receipt_works(client, language):
    replies = []
    for message in CONVERSATIONS[language]:
        answered = text(client, message)
        assert answered or message == "Empujaron a mi hijo.", f"no reply to {message!r}"
        replies = answered or replies
    assert not Complaint.objects.exists()  # not before the person confirms
    confirm = replies[-1]
    replies = text(client, "1")
    complaint = Complaint.objects.get()
    assert complaint.channel == "sms" and complaint.language == language
    assert complaint.narrative and complaint.incident_date == timezone.localdate() - timedelta(days=1)
    assert complaint.allegations.exists()
    receipt = "".join(ch for ch in replies[0] if ch.isdigit())[-16:]
    assert len(receipt) == 16
    assert confirm != replies[0]
    assert not Conversation.objects.exists()  # finished: nothing of it kept
    page = client.post(f"/{language}/status/", {"receipt": receipt})
    assert page.context["complaint"] == complaint
    word = {"es": "ESTADO", "ht": "ESTATI", "ar": "حالة", "zh-hans": "状态"}[language]
    status = text(client, f"{word} {receipt}")
    with translation.override(language):
        assert str(complaint.get_status_display()) in status[0]


@pytest.mark.django_db
def test_the_same_message_sid_twice_is_answered_once(client):
    data = {"MessageSid": "SMdup0000000000000000000000000001", "From": "+17135550101", "Body": "Hola"}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert InboundMessage.objects.count() == 1
    assert len(SENT) == 2  # privacy notice and first question, once


@pytest.mark.django_db
def test_after_stop_nothing_more_is_sent(client):
    assert text(client, "Hola")
    assert text(client, "STOP") == []
    assert text(client, "1") == []
    assert text(client, "Entraron a mi casa") == []


@pytest.mark.parametrize("language", [code for code, _name in __import__("django.conf").conf.settings.LANGUAGES])
def test_every_prompt_fits_in_two_text_messages(language):
    from intake.choices import Status
    from intake.conversation import (
        AGAIN,
        FILED,
        FILED_BEFORE,
        HELP,
        NOT_SURE,
        PICK_ONE,
        STATUS_NOW,
        _harms_menu,
        _language_menu,
        _summary,
        _which_date,
    )
    from messaging.segments import segments

    state = {"answers": {"incident_date": "2026-09-30", "city": "San Bernardino", "state": "CA"}}
    with translation.override(language):
        texts = [*map(str, PROMPTS.values()), *map(str, AGAIN.values()), str(HELP), str(PICK_ONE), str(NOT_SURE)]
        texts += [_harms_menu(), _language_menu(), *_summary(state)]
        texts += _which_date({"date_options": ["2026-09-10", "2026-10-09"]})
        texts += [str(FILED) % {"receipt": "4821 5530 1968 2207"}, str(FILED_BEFORE)]
        texts += [str(STATUS_NOW) % {"status": str(Status.NEEDS_INFO.label)}]
    for prompt in texts:
        encoding, count = segments(prompt)
        assert count <= 2, (language, encoding, count, len(prompt), prompt)
    assert len(HARMS) == 9


def test_children_can_be_none_a_number_or_not_known():
    turn = walk(["1", "algo pasó", "listo", "ayer", "Houston, TX", "1", "no"])
    assert turn.state["step"] == "children"
    assert ComplaintFlow().step(turn.state, "0", context()).state["answers"]["children_count"] == 0
    assert ComplaintFlow().step(turn.state, "٣", context()).state["answers"]["children_count"] == 3
    unknown = ComplaintFlow().step(turn.state, "no sé", context())
    assert unknown.state["step"] == "contact" and unknown.state["answers"]["children_count"] is None


@pytest.mark.parametrize(
    "reply,language,expected",
    [("hoy", "es", TODAY), ("ayer", "es", date(2026, 11, 27)), ("el lunes", "es", date(2026, 11, 23)),
     ("в понедельник", "ru", date(2026, 11, 23)), ("hôm qua", "vi", date(2026, 11, 27)),
     ("vandredi", "ht", date(2026, 11, 27)), ("星期五", "zh-hans", date(2026, 11, 27)),
     ("أمس", "ar", date(2026, 11, 27)), ("ਕੱਲ੍ਹ", "pa", date(2026, 11, 27)),
     ("31/10/2026", "es", date(2026, 10, 31)), ("10/31/2026", "en", date(2026, 10, 31)),
     ("2026-10-03", "en", date(2026, 10, 3)), ("10月3日", "zh-hans", date(2026, 10, 3)),
     ("٣١/١٠/٢٠٢٦", "ar", date(2026, 10, 31)), ("12/25", "en", date(2025, 12, 25)), ("1/1/2027", "es", None),
     ("31/02/2026", "es", None), ("mañana", "es", None)],
)  # fmt: skip
def test_dates_are_read_in_every_language(reply, language, expected):
    from intake.answers import date_of

    assert date_of(reply, today=TODAY, language=language) == expected


@pytest.mark.parametrize(
    "reader,reply,expected",
    [("choice", "sí, los 2", None), ("choice", "2", 2), ("choice", " ٢ ", 2), ("choice", "sí", 1),
     ("choices", "1-3", None), ("choices", "1, 3", [1, 3]), ("choices", "1 y 3", [1, 3]), ("choices", "10", None),
     ("count", "mi hija de 8 años", None), ("count", "3", 3), ("count", "ninguno", None), ("count", "no", 0),
     ("place", "Miami, Florid la", None), ("place", "Miami, FL", ("Miami", "FL")),
     ("place", "near my home at 123 Main St Houston TX", None), ("place", "123 Main Houston TX", None),
     ("place", "houston, tx", ("houston", "TX")), ("place", "en Dallas al", None),
     ("date", "no fue hoy, fue ayer", None), ("date", "1/1/0100", None)],
)  # fmt: skip
def test_readers_ask_again_rather_than_store_a_wrong_fact(reader, reply, expected):
    from intake import answers

    read = {
        "choice": lambda text: answers.choice_of(text, 3, yes_no=True),
        "choices": lambda text: answers.choices_of(text, 9),
        "count": answers.count_of,
        "place": answers.place_of,
        "date": lambda text: answers.date_of(text, today=TODAY, language="es"),
    }[reader]
    assert read(reply) == expected


@pytest.mark.parametrize("first", ["Olá, você pode me ajudar?", "meu avô foi preso", "j'ai été arrêté"])
def test_portuguese_and_french_are_not_taken_for_vietnamese(first):
    assert language_of(first) != "vi"


def test_an_answer_from_a_branch_left_by_back_is_not_kept():
    turn = walk(["1", "algo pasó", "listo", "ayer", "Houston, TX", "1", "sí", "sí"])
    assert turn.state["answers"]["body_camera_recording"] == "yes"
    for reply in ["atrás", "atrás", "no"]:
        turn = ComplaintFlow().step(turn.state, reply, context())
    assert turn.state["answers"]["body_camera_seen"] == "no"
    assert "body_camera_recording" not in turn.state["answers"]


def test_a_state_from_an_older_version_starts_again_politely():
    turn = ComplaintFlow().step({"step": "harm_v0", "language": "es", "answers": {"x": 1}}, "1", context())
    assert turn.state["step"] == "who" and turn.state["answers"] == {}
    turn = ComplaintFlow().step({"step": "when_which", "language": "es", "answers": {}}, "1", context())
    assert turn.replies  # asked the date again rather than failing
    turn = ComplaintFlow().step({"step": "resume", "language": "es", "answers": {}}, "1", context())
    assert turn.state["step"] == "who"


@pytest.mark.django_db
def test_yes_and_start_are_answers_unless_the_sender_had_said_stop(client):
    assert text(client, "START")  # never said stop: a first message like any other
    assert text(client, "STOP") == []
    assert text(client, "START") == []  # back in: Twilio's own reply covers it
    assert text(client, "1")  # the conversation goes on


@pytest.mark.django_db
def test_one_message_the_flow_cannot_take_does_not_stop_the_others(client):
    from messaging.services import inbound_process_stale

    text(client, "Hola")
    Conversation.objects.update(flow="a flow that is gone")
    data = {"MessageSid": f"SM{next(SIDS):032d}", "From": "+17135550101", "To": "+15550009999", "Body": "1"}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)  # its task never runs
    assert text(client, "Hola", sender="+17135550102")  # another sender is answered
    assert inbound_process_stale(older_than_seconds=0) == 1  # the bad one is set aside, not retried
    assert [m.keyword for m in InboundMessage.objects.order_by("id")] == ["", "error", ""]
    assert not Conversation.objects.filter(flow="a flow that is gone").exists()


@pytest.mark.django_db
def test_received_messages_are_forgotten_with_the_conversation_and_receipts_never_kept(client, settings):
    from messaging.services import conversations_purge_idle

    text(client, "ESTADO 4821 5530 1968 2207")
    assert InboundMessage.objects.get().body == ""  # a receipt is not kept next to the phone
    text(client, "Hola")
    later = timezone.now() + timedelta(days=settings.RETENTION_CONVERSATION_DAYS + 1)
    assert conversations_purge_idle(now=later) == 1
    assert not InboundMessage.objects.exists()


MEDIA_ACCOUNT = "AC" + "3" * 32


def media_path(n: int) -> str:
    return f"/2010-04-01/Accounts/{MEDIA_ACCOUNT}/Messages/MM{n:032d}/Media/ME{n:032d}"


@pytest.fixture
def twilio_media(settings):
    from tests.messaging.fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        settings.TWILIO_API_BASE = fake.url
        settings.TWILIO_ACCOUNT_SID = MEDIA_ACCOUNT
        yield fake


def text_with_media(client, body, urls, sender="+17135550101"):
    data = {"MessageSid": f"SM{next(SIDS):032d}", "From": sender, "To": "+15550009999", "Body": body}
    data["NumMedia"] = str(len(urls))
    for n, url in enumerate(urls):
        data[f"MediaUrl{n}"], data[f"MediaContentType{n}"] = url, "image/jpeg"
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


@pytest.mark.django_db
def test_photos_sent_by_mms_are_fetched_checked_attached_and_deleted_from_twilio(client, twilio_media):
    import io

    from PIL import Image

    from intake.models import Attachment

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (29.0, 45.0, 36.0)}
    Image.new("RGB", (30, 20), "blue").save(buffer, "JPEG", exif=exif)
    twilio_media.media[media_path(1)] = buffer.getvalue()
    twilio_media.media[media_path(2)] = b"MZ\x90\x00" + b"\x00" * 200  # a program, not a photo
    evil = "https://evil.example.net" + media_path(3)
    for message in ["Hola", "1", "Entraron a mi casa."]:
        text(client, message)
    text_with_media(client, "", [twilio_media.url + media_path(1), twilio_media.url + media_path(2), evil])
    for message in ["listo", "ayer", "Houston, TX", "3", "no", "0", "2", "1"]:
        text(client, message)
    complaint = Complaint.objects.get()
    [photo] = Attachment.objects.filter(complaint=complaint)
    assert photo.kind == "image" and photo.clean_file
    fetched = [(method, path) for method, path, _credentials in twilio_media.media_requests]
    assert ("GET", media_path(1)) in fetched and ("DELETE", media_path(1)) in fetched
    assert ("DELETE", media_path(2)) in fetched  # refused, and not left at Twilio either
    assert all(credentials == f"{MEDIA_ACCOUNT}:{TOKEN}" for *_rest, credentials in twilio_media.media_requests)
    assert not any(path == media_path(3) for _method, path in fetched)  # another host: never asked


def test_only_twilios_media_urls_for_our_account_are_fetched(settings):
    from messaging.transports import media_url_allowed

    settings.TWILIO_API_BASE = ""
    settings.TWILIO_ACCOUNT_SID = MEDIA_ACCOUNT
    assert media_url_allowed("https://api.twilio.com" + media_path(1))
    assert not media_url_allowed("http://api.twilio.com" + media_path(1))
    assert not media_url_allowed("https://api.twilio.com.evil.net" + media_path(1))
    assert not media_url_allowed("https://evil.net" + media_path(1))
    assert not media_url_allowed("https://api.twilio.com" + media_path(1).replace(MEDIA_ACCOUNT, "AC" + "4" * 32))
    assert not media_url_allowed("https://api.twilio.com/2010-04-01/Accounts/../../etc/passwd")
    assert not media_url_allowed("https://api.twilio.com" + media_path(1) + "?redirect=https://evil.net")


@pytest.mark.django_db
def test_a_flood_from_one_phone_is_read_but_not_answered_message_for_message(client):
    answered = [bool(text(client, f"no entiendo {n}")) for n in range(30)]
    assert all(answered[:20]) and not any(answered[20:])
    assert InboundMessage.objects.filter(processed_at__isnull=False).count() == 30
    assert text(client, "Hola", sender="+17135550103")  # others are answered


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["", "😀😀😀", "\u202e\u200b\u200f", "x" * 10_000, "ESTADO", "STATUS ٤٨٢١", "atrás", "REINICIAR", "0", "-1"]
)
def test_odd_messages_at_every_step_never_fail(client, body):
    for step_reply in ["Hola", "1", "algo pasó", "listo", "ayer", "Houston, TX", "1", "sí", "sí", "0", "1"]:
        text(client, body)
        text(client, step_reply)
    assert not InboundMessage.objects.filter(keyword="error").exists()


@pytest.mark.django_db
def test_files_of_a_conversation_left_unfinished_are_deleted_from_twilio_with_it(client, twilio_media, settings):
    from messaging.services import conversations_purge_idle

    text(client, "Hola")
    text(client, "1")
    text_with_media(client, "", [twilio_media.url + media_path(7)])
    later = timezone.now() + timedelta(days=settings.RETENTION_CONVERSATION_DAYS + 1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        conversations_purge_idle(now=later)
    assert ("DELETE", media_path(7)) in [(method, path) for method, path, _c in twilio_media.media_requests]
    assert not InboundMessage.objects.exists() and not Conversation.objects.exists()


@pytest.mark.django_db
def test_a_media_task_run_again_attaches_nothing_twice(client, twilio_media):
    from intake.models import Attachment
    from intake.services import complaint_media_attach
    from tests.files import jpeg_with_gps

    def jpeg_bytes():
        return jpeg_with_gps().read()

    for message in ["Hola", "1", "algo pasó", "listo", "ayer", "Houston, TX", "3", "no", "0", "2", "1"]:
        text(client, message)
    complaint = Complaint.objects.get()
    twilio_media.media[media_path(9)] = jpeg_bytes()
    url = twilio_media.url + media_path(9)
    Complaint.objects.filter(pk=complaint.pk).update(media_pending=[url])
    complaint_media_attach(complaint_id=complaint.pk, url=url)
    assert Complaint.objects.get(pk=complaint.pk).media_pending == []
    fetches = len(twilio_media.media_requests)
    complaint_media_attach(complaint_id=complaint.pk, url=url)  # the same task delivered twice
    assert len(twilio_media.media_requests) == fetches  # not even fetched
    Complaint.objects.filter(pk=complaint.pk).update(media_pending=[url])
    twilio_media.media[media_path(9)] = jpeg_bytes()  # its delete at Twilio had failed: fetched again
    complaint_media_attach(complaint_id=complaint.pk, url=url)
    assert Attachment.objects.filter(complaint=complaint).count() == 1


@pytest.mark.django_db
def test_a_photo_whose_fetch_was_lost_is_fetched_by_beats_sweep_and_given_up_only_after_days(
    client, twilio_media, monkeypatch, caplog
):
    from intake.models import Attachment
    from intake.services import media_pending_sweep
    from intake.tasks import complaint_media_attach_task
    from tests.files import jpeg_with_gps

    twilio_media.media[media_path(11)] = jpeg_with_gps().read()
    lost = []
    monkeypatch.setattr(complaint_media_attach_task, "apply_async", lambda **kwargs: lost.append(kwargs))
    for message in ["Hola", "1", "Entraron a mi casa."]:
        text(client, message)
    text_with_media(client, "", [twilio_media.url + media_path(11)])
    for message in ["listo", "ayer", "Houston, TX", "3", "no", "0", "2", "1"]:
        text(client, message)
    complaint = Complaint.objects.get()
    assert len(lost) == 1 and not Attachment.objects.exists()  # the broker lost the task
    assert complaint.media_pending == [twilio_media.url + media_path(11)]
    monkeypatch.undo()

    assert media_pending_sweep() == 0  # not before ten quiet minutes
    assert media_pending_sweep(now=timezone.now() + timedelta(minutes=11)) == 1
    [photo] = Attachment.objects.filter(complaint=complaint)
    assert photo.kind == "image"
    assert Complaint.objects.get().media_pending == []
    assert media_pending_sweep(now=timezone.now() + timedelta(minutes=11)) == 0

    Complaint.objects.filter(pk=complaint.pk).update(media_pending=["https://api.twilio.com/never"])
    assert media_pending_sweep(now=timezone.now() + timedelta(days=8)) == 0
    assert Complaint.objects.get().media_pending == []
    assert any(record.levelname == "ERROR" and complaint.reference in record.getMessage() for record in caplog.records)
