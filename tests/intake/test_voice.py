"""The complaint line: whole calls over signed webhooks, with every TwiML answer parsed, the
recordings fetched from the fake Twilio server into encrypted attachments, and the calls that
go wrong (dropped, retried, silent, keys out of range, odd or unsigned posts)."""

import io
import wave
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone, translation
from django.utils.translation import pgettext
from twilio.request_validator import RequestValidator

from intake.models import Complaint, ComplaintEvent, VoiceCall, VoicePrompt, VoiceRecording
from intake.selectors import complaint_by_receipt
from intake.voice import CallState, Heard, voice_read
from messaging.models import OutboundMessage
from privacy.crypto import blind_index
from privacy.files import encrypted_file_read
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db

ACCOUNT = "AC" + "5" * 32
TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
PHONE = "+17135550142"
LANGUAGES_OF_THE_MENU = {"es-US", "en-US", "pt-BR", "fr-FR", "cmn-CN", "pa-IN", "vi-VN", "ar-XA", "ru-RU"}


def wav(seconds: float = 0.5, tone: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes([tone, 0]) * int(8000 * seconds))
    return buffer.getvalue()


def recording_path(n: int, account: str = ACCOUNT) -> str:
    return f"/2010-04-01/Accounts/{account}/Recordings/RE{n:032d}"


@pytest.fixture
def twilio(settings, tmp_path):
    with FakeTwilio() as fake:
        settings.TWILIO_API_BASE = fake.url
        settings.TWILIO_ACCOUNT_SID = ACCOUNT
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.PUBLIC_BASE_URL = BASE
        settings.MEDIA_ROOT = tmp_path / "media"
        yield fake


def signed_post(client, url: str, data: dict):
    """POST as Twilio does: `url` absolute (as in TwiML) or a path of the site."""
    url = url if url.startswith("http") else BASE + url
    signature = RequestValidator(TOKEN).compute_signature(url, data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url.removeprefix(BASE), data, HTTP_X_TWILIO_SIGNATURE=signature)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def said(root: ET.Element) -> list[tuple[str, str]]:
    """(language, words) of every <Say>, nested ones included, in order."""
    return [(say.get("language"), say.text or "") for say in root.iter("Say")]


class Call:
    """One caller: follows the TwiML it is given, as Twilio would."""

    def __init__(self, client, twilio: FakeTwilio, sid: str = "CA" + "1" * 32, phone: str = PHONE) -> None:
        self.client, self.twilio, self.sid, self.phone = client, twilio, sid, phone
        self.root: ET.Element | None = None

    def post(self, url: str, data: dict | None = None):
        return signed_post(self.client, url, {"CallSid": self.sid, "From": self.phone, **(data or {})})

    def start(self) -> ET.Element:
        self.root = twiml(self.post("/twilio/voice/", {"To": "+15550009999", "AccountSid": ACCOUNT}))
        return self.root

    def press(self, digits: str) -> ET.Element:
        gather = self.root.find("Gather")
        assert gather is not None, verbs(self.root)
        self.root = twiml(self.post(gather.get("action"), {"Digits": digits}))
        return self.root

    def silence(self) -> ET.Element:
        redirect = self.root.find("Redirect")
        assert redirect is not None and redirect.get("method") == "POST", verbs(self.root)
        self.root = twiml(self.post(redirect.text))
        return self.root

    def record(self, n: int, url: str | None = None, digits: str = "#") -> ET.Element:
        record = self.root.find("Record")
        assert record is not None, verbs(self.root)
        data = {"RecordingSid": f"RE{n:032d}", "RecordingUrl": url or self.twilio.url + recording_path(n)}
        self.root = twiml(self.post(record.get("action"), {**data, "RecordingDuration": "42", "Digits": digits}))
        return self.root

    def recording_ready(self, n: int, kind: str = "story", url: str | None = None, status: str = "completed"):
        data = {
            "RecordingSid": f"RE{n:032d}",
            "RecordingUrl": url or self.twilio.url + recording_path(n),
            "RecordingStatus": status,
            "RecordingDuration": "42",
            "AccountSid": ACCOUNT,
        }
        response = self.post(f"/twilio/voice/recording/?kind={kind}", data)
        assert response.status_code == 200
        return response

    def hang_up(self, status: str = "completed"):
        response = self.post("/twilio/voice/status/", {"CallStatus": status})
        assert response.status_code == 200
        return response

    @property
    def record_row(self) -> VoiceCall:
        return VoiceCall.objects.get(call_sid=blind_index(self.sid, purpose="voice_call"))


def receipt_read_out(root: ET.Element) -> list[str]:
    return [
        "".join(ch for ch in text if ch.isdigit()) for _lang, text in said(root) if sum(map(str.isdigit, text)) == 16
    ]


def test_a_whole_call_in_spanish_files_one_complaint_with_its_encrypted_recording(client, twilio, settings):
    call = Call(client, twilio)
    menu = call.start()
    assert verbs(menu) == ["Gather", "Redirect"]
    gather = menu.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action").startswith(f"{BASE}/twilio/voice/menu/")
    assert {language for language, _words in said(menu)} == LANGUAGES_OF_THE_MENU
    assert ("es-US", "Para continuar en español, oprima 1.") in said(menu)
    assert ("fr-FR", "Pou kontinye an kreyòl, peze 4.") in said(menu)  # no Twilio voice for Kreyòl
    assert ("en-US", "To continue in English, press 2.") in said(menu)
    assert all(say.get("voice") for say in menu.iter("Say"))

    story = call.press("1")
    assert verbs(story) == ["Say", "Say", "Record", "Redirect"]
    assert {language for language, _words in said(story)} == {"es-US"}
    record = story.find("Record")
    assert record.get("maxLength") == "600" and record.get("finishOnKey") == "#" and record.get("playBeep") == "true"
    assert record.get("recordingStatusCallback") == f"{BASE}/twilio/voice/recording/?kind=story"

    twilio.media[recording_path(1)] = audio = wav()
    danger = call.record(1)
    assert verbs(danger) == ["Gather", "Redirect"] and said(danger)[0][0] == "es-US"
    call.recording_ready(1)  # before the call is over: kept, fetched once the complaint exists
    assert not twilio.media_requests

    contact = call.press("1")
    assert said(contact)[0][0] == "es-US" and len(said(contact)) == 2  # "call 911" first, then the question
    camera = call.press("1")
    done = call.press("3")
    assert verbs(done) == ["Say", "Say", "Say", "Say", "Say", "Say", "Hangup"]
    assert {language for language, _words in said(done)} == {"es-US"}
    first, again = receipt_read_out(done)
    assert first == again

    complaint = Complaint.objects.get()
    assert complaint_by_receipt(first) == complaint
    assert (complaint.channel, complaint.language, complaint.needs_interpreter) == ("voice", "es", False)
    assert complaint.is_urgent and complaint.urgent_flags == ["in_danger"]
    assert complaint.body_camera_seen == "unknown"
    assert complaint.consent_contact and complaint.contact.phone == PHONE
    assert complaint.filer_role == "unknown" and complaint.narrative == ""
    assert call.record_row.status == "completed" and call.record_row.complaint == complaint
    assert camera is not None

    [attachment] = complaint.attachments.all()
    assert (attachment.kind, attachment.content_type) == ("audio", "audio/wav")
    stored = (settings.MEDIA_ROOT / attachment.original_file).read_bytes()
    assert b"RIFF" not in stored and encrypted_file_read(attachment.original_file) == audio
    assert VoiceRecording.objects.get().attachment == attachment
    assert [(method, path) for method, path, _auth in twilio.media_requests] == [
        ("GET", recording_path(1)),
        ("DELETE", recording_path(1)),
    ]
    assert all(auth == f"{ACCOUNT}:{TOKEN}" for *_rest, auth in twilio.media_requests)
    # The receipt goes by text too, as the caller agreed, in a discreet message.
    [sms] = OutboundMessage.objects.filter(purpose="complaint.receipt")
    assert sms.channel == "sms" and sms.to == PHONE and sms.language == "es"

    call.hang_up()
    ended = call.record_row
    assert ended.status == "completed" and ended.receipt == "" and ended.ended_at is not None
    assert Complaint.objects.count() == 1
    assert not ComplaintEvent.objects.filter(kind="call_dropped").exists()


def test_another_language_records_its_name_then_the_story_for_an_interpreter(client, twilio):
    call = Call(client, twilio, sid="CA" + "2" * 32)
    call.start()
    name = call.press("*")
    assert verbs(name) == ["Say", "Say", "Record", "Redirect"]
    assert [language for language, _words in said(name)] == ["es-US", "en-US"]
    record = name.find("Record")
    assert int(record.get("maxLength")) <= 10
    assert record.get("recordingStatusCallback") == f"{BASE}/twilio/voice/recording/?kind=language_name"

    twilio.media[recording_path(11)] = wav(tone=2)
    twilio.media[recording_path(12)] = wav(tone=3)
    story = call.record(11)
    assert [language for language, _words in said(story)] == ["es-US", "es-US", "en-US", "en-US"]
    assert story.find("Record").get("maxLength") == "600"
    call.recording_ready(11, kind="language_name")
    call.record(12)
    call.recording_ready(12)
    for key in "222":
        done = call.press(key)
    assert verbs(done)[-1] == "Hangup" and len(receipt_read_out(done)) == 2

    complaint = Complaint.objects.get()
    assert complaint.needs_interpreter and complaint.language == "es"
    assert not complaint.is_urgent and complaint.is_anonymous and not complaint.consent_contact
    assert complaint.body_camera_seen == "no"
    kinds = dict(VoiceRecording.objects.values_list("kind", "status"))
    assert kinds == {"language_name": "attached", "story": "attached"}
    assert complaint.attachments.count() == 2
    assert not OutboundMessage.objects.filter(purpose="complaint.receipt").exists()  # not agreed


def test_silence_at_the_menu_is_asked_once_more_then_taken_for_another_language(client, twilio):
    call = Call(client, twilio, sid="CA" + "3" * 32)
    first = call.start()
    again = call.silence()
    assert verbs(again) == ["Gather", "Redirect"] and len(said(again)) == len(said(first))
    name = call.silence()
    assert name.find("Record") is not None
    assert call.record_row.needs_interpreter


def test_a_key_out_of_range_is_asked_again_then_the_call_moves_on_politely(client, twilio):
    call = Call(client, twilio, sid="CA" + "4" * 32)
    call.start()
    call.press("9")  # Arabic
    twilio.media[recording_path(21)] = wav()
    danger = call.record(21)
    assert said(danger)[0][0] == "ar-XA"
    again = call.press("7")
    assert verbs(again) == ["Say", "Gather", "Redirect"]  # "we did not get that", then the question
    contact = call.silence()
    assert verbs(contact) == ["Say", "Gather", "Redirect"]  # "let us go on", then the next question
    assert call.record_row.answers == {"danger": ""}
    call.press("#")
    call.press("5")
    done = call.press("1")
    assert done.find("Hangup") is not None
    complaint = Complaint.objects.get()
    assert not complaint.is_urgent and complaint.language == "ar" and complaint.body_camera_seen == "yes"


def test_silence_instead_of_a_story_is_asked_once_more_then_moved_on(client, twilio):
    call = Call(client, twilio, sid="CA" + "5" * 32)
    call.start()
    story = call.press("2")
    assert [words for _language, words in said(story)][0].startswith("Voces is not the government")
    again = call.silence()  # Twilio recorded nothing: no RecordingUrl, the <Redirect> after <Record>
    assert verbs(again) == ["Say", "Say", "Record", "Redirect"]
    assert not any("not the government" in words for _language, words in said(again))  # the notice once
    danger = call.silence()
    assert verbs(danger) == ["Say", "Gather", "Redirect"]
    assert not VoiceRecording.objects.exists()


def test_twilio_retrying_a_callback_moves_nothing_and_files_once(client, twilio):
    call = Call(client, twilio, sid="CA" + "6" * 32)
    assert ET.tostring(call.start()) == ET.tostring(Call(client, twilio, sid=call.sid).start())
    menu = call.root
    story = call.press("1")
    retried = twiml(call.post(menu.find("Gather").get("action"), {"Digits": "1"}))
    assert ET.tostring(retried) == ET.tostring(story) and call.record_row.turn == 1
    twilio.media[recording_path(31)] = wav()
    record_action = story.find("Record").get("action")
    call.record(31)
    twiml(call.post(record_action, {"RecordingSid": f"RE{31:032d}", "RecordingUrl": twilio.url + recording_path(31)}))
    call.recording_ready(31)
    call.recording_ready(31)
    call.press("2")
    camera = call.press("2")
    done = call.press("2")
    retried = twiml(call.post(camera.find("Gather").get("action"), {"Digits": "1"}))
    assert receipt_read_out(retried) == receipt_read_out(done)
    assert Complaint.objects.count() == 1 and VoiceRecording.objects.count() == 1
    assert Complaint.objects.get().body_camera_seen == "no"
    assert Complaint.objects.get().attachments.count() == 1
    assert [method for method, _path, _auth in twilio.media_requests].count("GET") == 1
    # A step that is not the call's, or no turn at all, gets the current step again.
    for url in ["/twilio/voice/danger/?t=3", "/twilio/voice/nonsense/?t=1", "/twilio/voice/done/"]:
        assert receipt_read_out(twiml(call.post(url, {"Digits": "1"}))) == receipt_read_out(done)


def test_a_call_dropped_during_the_story_keeps_a_complaint_and_its_recording(client, twilio):
    call = Call(client, twilio, sid="CA" + "7" * 32)
    call.start()
    call.press("3")  # Portuguese
    call.hang_up()  # the caller hung up while speaking: Twilio's status comes first
    complaint = Complaint.objects.get()
    assert complaint.language == "pt" and complaint.channel == "voice"
    assert call.record_row.status == "incomplete" and call.record_row.complaint == complaint
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="call_dropped").count() == 1
    twilio.media[recording_path(41)] = wav()
    call.recording_ready(41)  # then the recording, which a caller who hangs up still leaves
    assert complaint.attachments.count() == 1
    assert VoiceRecording.objects.get().status == "attached"
    # Anything more Twilio sends about the call hangs up and files nothing more.
    assert verbs(twiml(call.post(f"/twilio/voice/story/?t={call.record_row.turn}", {}))) == ["Hangup"]
    call.hang_up()
    assert Complaint.objects.count() == 1


def test_a_call_dropped_after_agreeing_to_be_texted_gets_its_receipt_by_text(client, twilio):
    call = Call(client, twilio, sid="CA" + "8" * 32)
    call.start()
    call.press("1")
    twilio.media[recording_path(51)] = wav()
    call.record(51, digits="hangup")
    call.recording_ready(51)
    call.hang_up()
    complaint = Complaint.objects.get()
    assert complaint.attachments.count() == 1 and complaint.is_anonymous
    assert call.record_row.status == "incomplete"
    assert not OutboundMessage.objects.filter(purpose="complaint.receipt").exists()

    other = Call(client, twilio, sid="CA" + "9" * 32, phone="+17135550143")
    other.start()
    other.press("1")
    other.silence()
    other.silence()
    other.press("2")
    other.press("1")  # may we text you: yes; then the line drops
    other.hang_up("completed")
    dropped = Complaint.objects.exclude(pk=complaint.pk).get()
    assert dropped.consent_contact and dropped.contact.phone == "+17135550143"
    assert OutboundMessage.objects.filter(purpose="complaint.receipt", object_ref=dropped.reference).count() == 1


def test_a_caller_who_hangs_up_at_the_menu_files_nothing(client, twilio):
    call = Call(client, twilio, sid="CA" + "a" * 32)
    call.start()
    call.hang_up("completed")
    assert not Complaint.objects.exists()
    assert call.record_row.status == "incomplete"


def test_a_hidden_caller_id_is_not_offered_a_call_back(client, twilio):
    call = Call(client, twilio, sid="CA" + "b" * 32, phone="+266696687")
    call.start()
    call.press("1")
    call.silence()
    call.silence()
    camera = call.press("2")
    with translation.override("es"):
        question = pgettext(
            "phone", "Did you see a body camera on an officer? Press 1 for yes, 2 for no, 3 if you are not sure."
        )
    assert said(camera)[0][1] == question  # the contact question is skipped
    call.press("2")
    assert Complaint.objects.get().is_anonymous


def test_calls_quiet_for_an_hour_are_filed_by_the_sweep(client, twilio):
    from intake.services import voice_calls_sweep

    call = Call(client, twilio, sid="CA" + "c" * 32)
    call.start()
    call.press("1")
    twilio.media[recording_path(61)] = wav()
    call.record(61)
    assert voice_calls_sweep() == 0
    VoiceCall.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    VoiceRecording.objects.update(updated_at=timezone.now() - timedelta(minutes=30))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert voice_calls_sweep() == 1
    complaint = Complaint.objects.get()
    assert call.record_row.status == "incomplete"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="call_dropped").exists()
    # Its recording's callback never came: the sweep fetched it all the same.
    assert complaint.attachments.count() == 1


def test_a_recording_url_on_another_host_or_account_is_refused_and_never_fetched(client, twilio):
    call = Call(client, twilio, sid="CA" + "d" * 32)
    call.start()
    call.press("1")
    evil = "https://evil.example.net" + recording_path(71)
    call.record(71, url=evil)
    call.recording_ready(71, url=evil)
    other_account = twilio.url + recording_path(72, account="AC" + "6" * 32)
    twilio.media[recording_path(72, account="AC" + "6" * 32)] = wav()
    call.recording_ready(72, url=other_account)
    for key in "222":
        call.press(key)
    assert Complaint.objects.get().attachments.count() == 0
    assert set(VoiceRecording.objects.values_list("status", flat=True)) == {"refused"}
    assert not VoiceRecording.objects.exclude(url="").exists()
    assert twilio.media_requests == []


def test_a_recording_twilio_no_longer_has_is_left_logged_not_deleted(client, twilio, caplog):
    call = Call(client, twilio, sid="CA" + "e" * 32)
    call.start()
    call.press("1")
    call.record(81)
    call.recording_ready(81)  # nothing at this path on the fake server: 404
    for key in "222":
        call.press(key)
    assert VoiceRecording.objects.get().status == "ready"
    assert [method for method, _path, _auth in twilio.media_requests] == ["GET"]
    assert "left at Twilio" in caplog.text


def test_a_recorded_prompt_is_played_instead_of_a_voice(client, twilio):
    prompt = VoicePrompt(language="ht", step="notice", content_type="audio/wav")
    prompt.audio.save("notice.wav", ContentFile(wav()), save=True)
    call = Call(client, twilio, sid="CA" + "f" * 32)
    call.start()
    story = call.press("4")
    assert verbs(story) == ["Play", "Say", "Record", "Redirect"]
    url = story.find("Play").text
    assert url.startswith(f"{BASE}/twilio/voice/prompt/{prompt.pk}/")
    assert said(story)[0][0] == "fr-FR"  # no Kreyòl voice, no recorded story prompt: French
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert client.get("/twilio/voice/prompt/999999/").status_code == 404


@pytest.mark.parametrize(
    "path", ["/twilio/voice/", "/twilio/voice/menu/?t=0", "/twilio/voice/recording/", "/twilio/voice/status/"]
)
def test_unsigned_or_badly_signed_voice_webhooks_are_refused(client, twilio, path):
    data = {"CallSid": "CA" + "1" * 32, "From": PHONE, "Digits": "1", "CallStatus": "completed"}
    assert client.post(path, data).status_code == 403
    bad = RequestValidator("not-the-token").compute_signature(BASE + path, data)
    assert client.post(path, data, HTTP_X_TWILIO_SIGNATURE=bad).status_code == 403
    assert not VoiceCall.objects.exists()


ODD = ["", "\x00", "😀" * 20, "x" * 5000, "-1", "9" * 40, "٣", "<Say>", "hangup", "*#", "None"]


@pytest.mark.parametrize("value", ODD)
def test_odd_voice_posts_never_answer_500(client, twilio, value):
    sid = "CA" + "1" * 32
    paths = [
        "/twilio/voice/",
        f"/twilio/voice/menu/?t={value}",
        "/twilio/voice/story/?t=0",
        "/twilio/voice/%F0%9F%98%80/",
        f"/twilio/voice/recording/?kind={value}",
        "/twilio/voice/status/",
    ]
    for path in paths:
        for data in [
            {"CallSid": sid, "From": value, "Digits": value},
            {"CallSid": value, "From": PHONE},
            {"CallSid": sid, "RecordingSid": value, "RecordingUrl": value, "RecordingDuration": value},
            {"CallSid": sid, "RecordingSid": f"RE{1:032d}", "RecordingStatus": value, "CallStatus": value},
        ]:
            response = signed_post(client, path, data)
            assert response.status_code < 500, (path, data, response.status_code)


def test_the_call_table_moves_only_forward_on_what_it_understands():
    state = CallState()
    assert voice_read(state, Heard(digits="5"))[0].language == "zh-hans"
    assert voice_read(state, Heard(digits="0"))[0].language == "ru"
    assert voice_read(state, Heard(digits="#"))[0].step == "menu"
    other, _notes = voice_read(state, Heard(digits="*"))
    assert (other.step, other.needs_interpreter) == ("name", True)
    camera = CallState(step="camera", language="es")
    assert voice_read(camera, Heard(digits="3"))[0].answers == {"camera": "unknown"}
    assert voice_read(camera, Heard(digits="3"))[0].step == "done"
    assert voice_read(camera, Heard(digits="4"))[0].step == "camera"
    assert voice_read(CallState(step="done"), Heard(digits="1"))[0].step == "done"


def test_only_recordings_of_our_account_on_twilios_host_are_fetched(settings):
    from messaging.transports import media_url_allowed

    settings.TWILIO_API_BASE = ""
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    assert media_url_allowed("https://api.twilio.com" + recording_path(1))
    assert not media_url_allowed("https://api.twilio.com" + recording_path(1) + ".mp3")
    assert not media_url_allowed("https://api.twilio.com" + recording_path(1, account="AC" + "6" * 32))
    assert not media_url_allowed("https://evil.example.net" + recording_path(1))
    assert not media_url_allowed("http://api.twilio.com" + recording_path(1))


# --- found in review ---------------------------------------------------------------------------


def test_the_callers_number_and_call_id_are_not_kept_beside_the_complaint(client, twilio):
    call = Call(client, twilio, sid="CA" + "e" * 32)
    call.start()
    call.press("1")
    call.silence()  # no notice step to answer: the recording comes next
    call.record(7)
    for key in ["2", "2", "2"]:
        call.press(key)
    row = call.record_row
    assert row.from_number == "" and row.call_sid != call.sid and call.sid not in row.call_sid
    assert Complaint.objects.get().is_anonymous


def test_a_hang_up_at_the_menu_is_forgotten_after_the_retention_days(client, twilio, settings):
    from datetime import timedelta

    from django.utils import timezone

    from intake.services import voice_calls_sweep

    call = Call(client, twilio, sid="CA" + "f" * 32)
    call.start()
    call.hang_up("completed")
    assert call.record_row.from_number == ""
    voice_calls_sweep(now=timezone.now() + timedelta(days=settings.RETENTION_CONVERSATION_DAYS + 1))
    assert not VoiceCall.objects.exists()


def test_the_public_status_page_shows_a_dropped_call_once(client, twilio):
    from intake.selectors import status_timeline

    call = Call(client, twilio, sid="CA" + "1" * 32)
    call.start()
    call.press("1")
    call.record(8)
    call.hang_up("completed")
    complaint = Complaint.objects.get()
    complaint.timeline_events = list(complaint.events.all())
    assert [row["code"] for row in status_timeline(complaint)] == ["received"]
