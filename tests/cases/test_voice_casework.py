"""Voice complaints on the staff side: the call's recordings play in the page through the
audited attachment stream (for those who read filers' words, never auditors), "needs an
interpreter" stands out on the page and in the queue, and staff add transcripts and
translations, each saying who made it and how."""

import io
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cases.models import Transcript
from cases.services import transcript_add
from core.errors import ApplicationError
from intake.models import Complaint, VoiceCall, VoiceRecording
from intake.services import attachment_store, complaint_submit
from privacy.attachments import check_upload
from privacy.files import encrypted_file_read
from privacy.models import AuditEvent
from tests import files
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

QUEUE = "/en/staff/"
STORY_WORDS = "ZX-TRANSCRIPT they took my brother at the bus stop"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def wav(tone: int = 1, seconds: float = 0.3) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes([tone, 0]) * int(8000 * seconds))
    return buffer.getvalue()


def recording(call: VoiceCall, n: int, kind: str, *, audio: bytes | None, duration: int = 75) -> VoiceRecording:
    """A recording as intake leaves it: attached once fetched, or still waiting at Twilio."""
    attachment = None
    if audio is not None:
        checked = check_upload(SimpleUploadedFile("media", audio))
        attachment = attachment_store(checked=checked, original_name="", complaint=call.complaint)
    return VoiceRecording.objects.create(
        call=call,
        kind=kind,
        recording_sid=f"RE{n:032d}",
        duration=duration,
        status=VoiceRecording.Status.ATTACHED if attachment else VoiceRecording.Status.PENDING,
        attachment=attachment,
    )


def voice_complaint(key: str = "1", *, needs_interpreter: bool = True, named: bool = True) -> Complaint:
    data = complaint_input(
        language="es",
        needs_interpreter=needs_interpreter,
        allegations=[],
        urgent_flags=[],
        narrative="",
        is_anonymous=True,
        contact=None,
        consent_contact=False,
    )
    complaint = complaint_submit(data=data, channel="voice", submission_key=f"voice:{key}", notify_filer=False)
    complaint = complaint.complaint
    call = VoiceCall.objects.create(
        call_sid="CA" + key.rjust(32, "0"),
        language="es",
        needs_interpreter=needs_interpreter,
        status=VoiceCall.Status.COMPLETED,
        complaint=complaint,
    )
    base = int(key) * 10
    recording(call, base + 1, VoiceRecording.Kind.STORY, audio=wav(tone=int(key)), duration=192)
    if needs_interpreter:
        recording(call, base + 2, VoiceRecording.Kind.LANGUAGE_NAME, audio=wav(tone=50) if named else None, duration=4)
    return complaint


def story_of(complaint: Complaint):
    return VoiceRecording.objects.get(call__complaint=complaint, kind="story").attachment


def page(client, complaint: Complaint) -> str:
    response = client.get(reverse("staff:complaint", args=[complaint.reference]))
    assert response.status_code == 200
    return response.content.decode()


def add(client, complaint: Complaint, **posted):
    data = {
        "kind": "transcript",
        "attachment": str(story_of(complaint).pk),
        "language": "",
        "language_other": "Mam",
        "text": STORY_WORDS,
        "method": "person",
        "machine_name": "",
        **posted,
    }
    return client.post(reverse("staff:complaint_transcript_add", args=[complaint.reference]), data)


# Playing the recordings -------------------------------------------------------------------------


def test_a_liaison_plays_the_story_in_the_page_from_the_audited_stream(staff_client, liaison):
    complaint = voice_complaint()
    story = story_of(complaint)
    client = staff_client(liaison)
    html = page(client, complaint)
    src = reverse("staff:complaint_attachment", args=[complaint.reference, story.pk]) + "?inline=1"
    assert f'<audio controls preload="none" src="{src}"' in html
    assert "3:12" in html  # its length
    assert AuditEvent.objects.filter(action="complaint.attachment_viewed").count() == 0  # the page plays nothing

    response = client.get(src)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == encrypted_file_read(story.original_file) == wav(tone=1)
    viewed = AuditEvent.objects.filter(action="complaint.attachment_viewed")
    assert viewed.count() == 1 and viewed.get().data["attachment"] == story.pk


def test_only_sound_is_ever_served_inline(staff_client, liaison):
    complaint = voice_complaint()
    photo = attachment_store(checked=check_upload(files.png()), original_name="s.png", complaint=complaint)
    client = staff_client(liaison)
    url = reverse("staff:complaint_attachment", args=[complaint.reference, photo.pk])
    assert client.get(url + "?inline=1")["Content-Disposition"].startswith("attachment")
    story = reverse("staff:complaint_attachment", args=[complaint.reference, story_of(complaint).pk])
    assert client.get(story)["Content-Disposition"].startswith("attachment")


def test_the_auditor_can_neither_play_nor_read_but_sees_an_interpreter_is_needed(staff_client, liaison, auditor):
    complaint = voice_complaint()
    assert add(staff_client(liaison), complaint).status_code == 302
    client = staff_client(auditor)
    src = reverse("staff:complaint_attachment", args=[complaint.reference, story_of(complaint).pk])
    assert client.get(src + "?inline=1").status_code == 403
    html = page(client, complaint)
    assert "Needs an interpreter." in html and "badge-interpreter" in html
    assert "<audio" not in html and src not in html
    assert "Your role does not play recordings." in html
    assert STORY_WORDS not in html and "ZX-TRANSCRIPT" not in html
    assert "Mam" in html and "Made by a person" in html  # how it was made is not the words
    assert not AuditEvent.objects.filter(action="complaint.attachment_viewed").exists()


def test_the_page_shows_the_caller_naming_their_language_first(staff_client, liaison):
    complaint = voice_complaint()
    named = VoiceRecording.objects.get(call__complaint=complaint, kind="language_name").attachment
    html = page(staff_client(liaison), complaint)
    banner = html.split('class="notice notice-interpreter"')[1].split("</div>")[0]
    assert "Needs an interpreter." in banner and "The caller named their language:" in banner
    assert reverse("staff:complaint_attachment", args=[complaint.reference, named.pk]) + "?inline=1" in banner
    table = html.split("Recordings of the call")[1].split("</table>")[0]
    assert table.index("The caller naming their language") < table.index("What happened, in the caller")


def test_a_recording_not_fetched_yet_says_so_instead_of_playing(staff_client, liaison):
    complaint = voice_complaint(named=False)
    html = page(staff_client(liaison), complaint)
    banner = html.split('class="notice notice-interpreter"')[1].split("</div>")[0]
    assert "Not fetched from the phone service yet" in banner and "<audio" not in banner


def test_a_complaint_without_a_call_has_no_voice_sections(staff_client, liaison):
    complaint = complaint_submit(data=complaint_input(), channel="web", submission_key="web:x", notify_filer=False)
    html = page(staff_client(liaison), complaint.complaint)
    assert "Recordings of the call" not in html and "notice-interpreter" not in html
    assert "Transcripts and translations" not in html


# The queue --------------------------------------------------------------------------------------


def test_the_queue_filters_on_needs_interpreter_and_badges_those_rows(
    staff_client, supervisor, liaison, django_assert_num_queries
):
    needing = [voice_complaint(str(n)) for n in (1, 2, 3)]
    plain = voice_complaint("4", needs_interpreter=False)
    web = complaint_submit(data=complaint_input(), channel="web", submission_key="web:y", notify_filer=False)
    client = staff_client(supervisor)
    everything = client.get(QUEUE)
    assert {r.reference for r in everything.context["page"].rows} == {
        *[c.reference for c in needing],
        plain.reference,
        web.complaint.reference,
    }
    with django_assert_num_queries(
        8
    ):  # as unfiltered: session, user, roles, device, assignees, offices, rows, allegations
        response = client.get(QUEUE, {"needs_interpreter": "on", "size": 10})
    assert [r.reference for r in response.context["page"].rows] == [c.reference for c in needing]
    rows = response.content.decode().split("<tbody>")[1].split("</tr>")[:-1]
    assert all('class="badge badge-interpreter">Interpreter<' in row for row in rows)
    html = everything.content.decode()
    plain_row = html.split(f">{plain.reference}</a>")[1].split("</tr>")[0]
    assert "badge-interpreter" not in plain_row


def test_the_queue_finds_the_calls_in_a_language_staff_identified(staff_client, liaison, supervisor):
    mam, kiche, unknown = voice_complaint("1"), voice_complaint("2"), voice_complaint("3")
    for complaint, language in [(mam, "Mam"), (kiche, "K'iche'")]:
        transcript_add(
            complaint=complaint,
            actor=liaison,
            attachment_id=None,
            kind="transcript",
            language="",
            language_other=language,
            text="…",
            method="person",
            machine_name="",
        )
    client = staff_client(supervisor)
    found = client.get(QUEUE, {"caller_language": " mam "})
    assert [r.reference for r in found.context["page"].rows] == [mam.reference]
    assert unknown.reference not in found.content.decode()
    assert client.get(QUEUE, {"caller_language": "Q'anjob'al"}).context["page"].rows == []
    assert client.get(QUEUE, {"caller_language": "x" * 61}).status_code == 400


def test_the_interpreter_filter_keeps_its_keyset_pages(staff_client, supervisor):
    needing = [voice_complaint(str(n)) for n in range(1, 13)]
    voice_complaint("13", needs_interpreter=False)
    client = staff_client(supervisor)
    seen, params = [], {"needs_interpreter": "on", "size": 10}
    response = client.get(QUEUE, params)
    seen += [r.reference for r in response.context["page"].rows]
    assert response.context["next_url"]
    response = client.get(QUEUE + response.context["next_url"])
    seen += [r.reference for r in response.context["page"].rows]
    assert seen == [c.reference for c in needing] and not response.context["next_url"]


# Transcripts and translations ------------------------------------------------------------------


def test_a_liaison_adds_a_transcript_by_a_person_then_a_machine_translation(staff_client, liaison):
    complaint = voice_complaint()
    client = staff_client(liaison)
    response = add(client, complaint)
    assert response.status_code == 302 and response["Location"].endswith(f"/complaints/{complaint.reference}/")
    response = add(
        client,
        complaint,
        kind="translation",
        language="en",
        language_other="ignored when a listed language is chosen",
        text="They took my brother at the bus stop (English)",
        method="machine",
        machine_name="  Whisper   large-v3 ",
    )
    assert response.status_code == 302
    person, machine = Transcript.objects.order_by("pk")
    assert (person.kind, person.language, person.language_other, person.method, person.machine_name) == (
        "transcript",
        "",
        "Mam",
        "person",
        "",
    )
    assert person.made_by == liaison and person.attachment == story_of(complaint) and person.text == STORY_WORDS
    assert (machine.language, machine.language_other, machine.machine_name) == ("en", "", "Whisper large-v3")

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_transcript WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert "ZX-TRANSCRIPT" not in stored

    events = AuditEvent.objects.filter(action="complaint.transcript_added").order_by("pk")
    assert [e.data["kind"] for e in events] == ["transcript", "translation"]
    assert all(e.actor == liaison and e.object_ref == complaint.reference for e in events)
    assert all("ZX" not in str(e.data) and "brother" not in str(e.data) for e in events)

    html = page(client, complaint)
    listed = html.split("Transcripts and translations")[1]
    assert STORY_WORDS in listed and "Whisper large-v3" in listed
    assert "Made by a person, entered by" in listed and "Made by a machine (<bdi>Whisper large-v3</bdi>)" in listed
    assert "Language identified by staff:" in html and "<strong>Mam</strong>" in html


def test_a_machine_must_be_named_and_the_text_is_kept_for_another_try(staff_client, liaison):
    complaint = voice_complaint()
    response = add(staff_client(liaison), complaint, method="machine", machine_name="   ")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name the machine or service that made it." in html
    assert f">{STORY_WORDS}</textarea>" in html
    assert not Transcript.objects.exists()
    assert not AuditEvent.objects.filter(action="complaint.transcript_added").exists()


def test_a_recording_of_another_complaint_is_refused(staff_client, liaison):
    mine, other = voice_complaint("1"), voice_complaint("2")
    response = add(staff_client(liaison), mine, attachment=str(story_of(other).pk))
    assert response.status_code == 400
    assert "Choose one of this complaint" in response.content.decode()
    assert not Transcript.objects.exists()


def test_a_transcript_of_the_complaint_as_a_whole_needs_no_recording(staff_client, liaison):
    complaint = voice_complaint()
    assert add(staff_client(liaison), complaint, attachment="").status_code == 302
    assert Transcript.objects.get().attachment is None


def test_an_auditor_cannot_add_a_transcript(staff_client, auditor):
    complaint = voice_complaint()
    assert add(staff_client(auditor), complaint).status_code == 403
    with pytest.raises(ApplicationError) as refused:
        transcript_add(
            complaint=complaint,
            actor=auditor,
            attachment_id=None,
            kind="transcript",
            language="es",
            language_other="",
            text="words",
            method="person",
            machine_name="",
        )
    assert refused.value.code == "permission"
    assert not Transcript.objects.exists()


@pytest.mark.parametrize(
    "posted",
    [
        {"kind": "poem"},
        {"kind": ""},
        {"method": "robot"},
        {"method": ""},
        {"language": "xx"},
        {"language": "es" * 10},
        {"language": "", "language_other": ""},
        {"language_other": "M" * 101},
        {"machine_name": "W" * 101, "method": "machine"},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 100_001},
        {"text": "nul\x00byte"},
        {"language_other": "Ma\x00m"},
        {"attachment": "abc"},
        {"attachment": "-1"},
        {"attachment": "0"},
        {"attachment": "99999999999999999999999999"},
        {"attachment": "9223372036854775807"},
    ],
)
def test_garbage_is_a_message_never_a_500(staff_client, liaison, posted):
    complaint = voice_complaint()
    response = add(staff_client(liaison), complaint, **posted)
    assert response.status_code == 400
    assert b'class="message-error"' in response.content
    assert not Transcript.objects.exists()


def test_an_unknown_complaint_is_not_found(staff_client, liaison):
    client = staff_client(liaison)
    for reference in ("C-999999", "nope"):
        response = client.post(reverse("staff:complaint_transcript_add", args=[reference]), {"text": "x"})
        assert response.status_code == 404


def test_the_page_runs_a_fixed_number_of_queries_with_transcripts(staff_client, liaison, django_assert_max_num_queries):
    complaint = voice_complaint()
    client = staff_client(liaison)
    add(client, complaint)
    page(client, complaint)
    with django_assert_max_num_queries(30) as counted:
        page(client, complaint)
    few = len(counted.captured_queries)
    for n in range(4):
        add(client, complaint, text=f"more words {n}", method="machine", machine_name="Whisper large-v3")
    with django_assert_max_num_queries(few):
        page(client, complaint)
