"""One complaint's staff page: facts for every staff role, the filer's words and files for those
who work on cases, contact details masked until revealed with a reason, and every change made
by a worker, checked, versioned and audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseNote, ContactAttempt, Referral
from intake.choices import Status
from intake.models import Complaint, ComplaintEvent
from intake.services import ContactInput, attachment_store, complaint_add_information, complaint_submit
from privacy.attachments import check_upload
from privacy.files import encrypted_file_read
from privacy.models import AuditEvent
from tests import files
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

NAME = "Zorabel Quintanilla-Ferraz"
PHONE = "+17135559876"
EMAIL = "zorabel.q@example.org"
SECRETS = {
    "name": NAME,
    "phone": PHONE,
    "phone digits": "7135559876",
    "email": EMAIL,
    "best times": "Evenings after eight, ZX-TIMES",
    "alternate": "Cousin Wilhelmina ZX-ALT",
    "narrative": "They broke the blue gate at dawn ZX-NARRATIVE",
    "witnesses": "Neighbour Evaristo Pumarejo",
    "officer names": "Thaddeus Crumbleworth",
    "badges": "ZX-BADGE-99173",
    "plates": "ZX-PLATE-4471",
    "markings": "ZX-MARKINGS gray van",
    "injuries": "Bruised wrist ZX-INJURY",
    "filer note": "ZX-FILERNOTE more words",
    "case note": "ZX-CASENOTE staff words",
    "attempt note": "ZX-ATTEMPTNOTE voicemail",
    "fernet token": "gAAAAA",
}
WORDS = ["narrative", "witnesses", "officer names", "badges", "plates", "markings", "injuries", "filer note"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def file_complaint(key="web:1", anonymous=False, **changes) -> Complaint:
    contact = ContactInput(
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        preferred_method="sms",
        safe_to_message=True,
        best_times=SECRETS["best times"],
        alternate_contact=SECRETS["alternate"],
    )
    data = complaint_input(
        narrative=SECRETS["narrative"],
        witnesses=SECRETS["witnesses"],
        officer_names=SECRETS["officer names"],
        badge_numbers=SECRETS["badges"],
        vehicle_plates=SECRETS["plates"],
        markings=SECRETS["markings"],
        injuries="yes",
        injuries_description=SECRETS["injuries"],
        city="Miami",
        officer_count=4,
        contact=None if anonymous else contact,
        is_anonymous=anonymous,
        **changes,
    )
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def url(name, complaint, *args):
    return reverse(f"staff:{name}", args=[complaint.reference, *args])


def page(client, complaint) -> str:
    response = client.get(url("complaint", complaint))
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> list[str]:
    """The messages this request added (earlier ones may still wait in the cookie)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def post(client, name, complaint, data, *args):
    return client.post(url(name, complaint, *args), data)


@pytest.fixture
def full(liaison):
    """A complaint with everything the page can show: words, a later note, files, a note, an
    attempt, a referral."""
    complaint = file_complaint()
    complaint_add_information(complaint=complaint, text=SECRETS["filer note"])
    photo = files.jpeg_with_gps()
    attachment_store(checked=check_upload(photo), original_name="my photo.jpg", complaint=complaint)
    attachment_store(checked=check_upload(files.pdf()), original_name="letter.pdf", complaint=complaint)
    CaseNote.objects.create(complaint=complaint, author=liaison, text=SECRETS["case note"])
    ContactAttempt.objects.create(
        complaint=complaint, actor=liaison, method="call", result="no_answer", note=SECRETS["attempt note"]
    )
    Referral.objects.create(complaint=complaint, body="dhs_crcl", created_by=liaison)
    complaint.refresh_from_db()
    return complaint


# Reading -----------------------------------------------------------------------------------------


def test_an_unknown_reference_is_not_found(staff_client, liaison, auditor):
    for user in (liaison, auditor):
        client = staff_client(user)
        assert client.get(reverse("staff:complaint", args=["C-999999"])).status_code == 404
        assert client.get(reverse("staff:complaint", args=["nonsense"])).status_code == 404


def test_the_auditor_sees_the_facts_and_no_personal_data(staff_client, auditor, full):
    html = page(staff_client(auditor), full)
    assert full.reference in html and "badge-urgent" in html
    assert "Miami" in html and "Read by our team" not in html  # facts, and no forms of changes
    for what, secret in SECRETS.items():
        assert secret not in html, what
    assert "/attachments/" not in html
    assert 'action="/staff/complaints/' + full.reference + '/note/"' not in html
    assert "Show contact details" not in html


def test_a_liaison_reads_the_words_but_the_contact_only_after_revealing_it(staff_client, liaison, full):
    client = staff_client(liaison)
    html = page(client, full)
    for what in [*WORDS, "case note", "attempt note"]:
        assert SECRETS[what] in html, what
    for what in ["name", "phone", "phone digits", "email", "best times", "alternate", "fernet token"]:
        assert SECRETS[what] not in html, what
    assert "•••• 76" in html
    assert "Show contact details" in html

    reason = "Calling back about the detention"
    response = post(client, "complaint_reveal", full, {"reason": reason})
    assert response.status_code == 200
    revealed = response.content.decode()
    for what in ["name", "phone", "email", "best times", "alternate"]:
        assert SECRETS[what] in revealed, what
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="complaint.pii_revealed")
    assert (event.actor, event.object_ref, event.reason) == (liaison, full.reference, reason)
    assert NAME not in str(event.data) and PHONE not in str(event.data)

    # Shown in that response only: the next page is masked again.
    assert NAME not in page(client, full) and PHONE not in page(client, full)


@pytest.mark.parametrize("reason", ["", "   ", "because", "x" * 600 + " y"])
def test_a_reveal_needs_a_reason_of_a_few_words(staff_client, liaison, full, reason):
    response = post(staff_client(liaison), "complaint_reveal", full, {"reason": reason})
    assert response.status_code == 302 and response["Location"] == url("complaint", full)
    assert messages_of(response)
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()
    assert NAME not in response.content.decode()


def test_an_anonymous_complaint_has_nothing_to_reveal(staff_client, liaison):
    complaint = file_complaint(anonymous=True)
    client = staff_client(liaison)
    assert "Show contact details" not in page(client, complaint)
    response = post(client, "complaint_reveal", complaint, {"reason": "Need to call them back"})
    assert response.status_code == 302
    assert messages_of(response) == ["This complaint has no contact details."]
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()


def test_an_unacknowledged_complaint_past_its_service_level_stands_out(staff_client, liaison, full):
    client = staff_client(liaison)
    assert "badge-overdue" not in page(client, full)
    Complaint.objects.filter(pk=full.pk).update(ack_due_at=timezone.now() - timedelta(hours=1))
    assert "badge-overdue" in page(client, full)
    post(client, "complaint_move", full, {"status": "acknowledged", "version": full.version})
    assert "badge-overdue" not in page(client, full)


def test_a_supervisor_can_assign_to_anyone_from_the_page(staff_client, supervisor, liaison, full):
    html = page(staff_client(supervisor), full)
    form = html.split('id="assign-to"')[1].split("</select>")[0]
    assert f'value="{liaison.pk}"' in form and 'value="me"' in form
    assert 'name="version" value="1"' in html.split('id="assign-to"')[0].rsplit("<form", 1)[1]


def test_the_page_offers_only_the_allowed_next_statuses(staff_client, liaison, full):
    html = page(staff_client(liaison), full)
    form = html.split('id="move-status"')[1].split("</select>")[0]
    assert 'value="acknowledged"' in form and 'value="in_review"' in form and 'value="closed"' in form
    assert 'value="referred"' not in form and 'value="needs_info"' not in form


def test_the_timeline_is_newest_first(staff_client, liaison, full):
    client = staff_client(liaison)
    post(client, "complaint_note", full, {"text": "ZX-LATEST note"})
    html = page(client, full)
    timeline = html.split('class="timeline"')[1]
    assert timeline.index("ZX-LATEST") < timeline.index(SECRETS["case note"]) < timeline.index("Status:")


def test_the_page_runs_a_fixed_number_of_queries(staff_client, liaison, full, django_assert_max_num_queries):
    client = staff_client(liaison)
    page(client, full)  # sessions and caches warm
    with django_assert_max_num_queries(20) as counted:
        page(client, full)
    few = len(counted.captured_queries)
    for i in range(5):
        CaseNote.objects.create(complaint=full, author=liaison, text=f"note {i}")
        ContactAttempt.objects.create(complaint=full, actor=liaison, method="text", result="texted")
        Referral.objects.create(complaint=full, body="dhs_oig", created_by=liaison)
        attachment_store(checked=check_upload(files.png()), original_name="s.png", complaint=full)
    with django_assert_max_num_queries(few):
        page(client, full)


# Attachments -------------------------------------------------------------------------------------


def test_an_attachment_streams_decrypted_with_safe_headers_and_is_audited(staff_client, liaison, full):
    client = staff_client(liaison)
    photo, letter = full.attachments.order_by("id")
    response = client.get(url("complaint_attachment", full, photo.pk))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == encrypted_file_read(photo.clean_file) and b"PhoneMaker" not in body
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'attachment; filename="{full.reference}-{photo.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]

    original = client.get(url("complaint_attachment", full, photo.pk) + "?original=1")
    assert b"".join(original.streaming_content) == encrypted_file_read(photo.original_file)
    assert b"PhoneMaker" in encrypted_file_read(photo.original_file)
    assert "my photo" not in original["Content-Disposition"]

    pdf = client.get(url("complaint_attachment", full, letter.pk))  # no cleaned copy of a PDF
    assert b"".join(pdf.streaming_content) == files.pdf().read()
    events = AuditEvent.objects.filter(action="complaint.attachment_viewed").order_by("id")
    assert [(e.data["attachment"], e.data["copy"]) for e in events] == [
        (photo.pk, "clean"),
        (photo.pk, "original"),
        (letter.pk, "original"),
    ]
    assert all(e.actor == liaison and e.object_ref == full.reference for e in events)


def test_an_attachment_of_another_complaint_is_not_found(staff_client, liaison, full):
    other = file_complaint(key="web:2")
    attachment = full.attachments.first()
    client = staff_client(liaison)
    assert client.get(url("complaint_attachment", other, attachment.pk)).status_code == 404
    assert client.get(url("complaint_attachment", full, 999999)).status_code == 404
    assert not AuditEvent.objects.filter(action="complaint.attachment_viewed").exists()


def test_the_auditor_cannot_open_attachments(staff_client, auditor, full):
    attachment = full.attachments.first()
    response = staff_client(auditor).get(url("complaint_attachment", full, attachment.pk))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="complaint.attachment_viewed").exists()


# Changes -----------------------------------------------------------------------------------------


def test_a_complaint_moves_along_the_workflow_and_closes_with_an_outcome(staff_client, liaison, full):
    client = staff_client(liaison)
    response = post(client, "complaint_move", full, {"status": "acknowledged", "version": full.version})
    assert response.status_code == 302 and response["Location"] == url("complaint", full)
    full.refresh_from_db()
    assert full.status == Status.ACKNOWLEDGED and full.acknowledged_at is not None

    response = post(client, "complaint_move", full, {"status": "closed", "version": full.version})
    assert messages_of(response) == ["Choose an outcome to close the complaint."]
    assert Complaint.objects.get(pk=full.pk).status == Status.ACKNOWLEDGED

    post(client, "complaint_move", full, {"status": "closed", "outcome": "resolved", "version": full.version})
    full.refresh_from_db()
    assert (full.status, full.outcome) == (Status.CLOSED, "resolved")
    assert AuditEvent.objects.filter(action="complaint.status_changed", actor=liaison).count() == 2


@pytest.mark.parametrize("status", ["referred", "needs_info", "received", "<script>", ""])
def test_a_forged_transition_changes_nothing(staff_client, liaison, full, status):
    response = post(staff_client(liaison), "complaint_move", full, {"status": status, "version": full.version})
    assert response.status_code == 302
    assert messages_of(response) == ["This step is not possible from where the complaint is now."]
    current = Complaint.objects.get(pk=full.pk)
    assert (current.status, current.version) == (Status.RECEIVED, full.version)
    assert not AuditEvent.objects.filter(action="complaint.status_changed").exists()


@pytest.mark.parametrize("version", ["0", "abc", "", "99"])
def test_a_stale_page_changes_nothing(staff_client, liaison, full, version):
    response = post(staff_client(liaison), "complaint_move", full, {"status": "acknowledged", "version": version})
    assert messages_of(response) == [
        "Someone else changed this complaint. Please look at it again before you change it."
    ]
    assert Complaint.objects.get(pk=full.pk).status == Status.RECEIVED


def test_a_note_is_added_encrypted_and_audited(staff_client, liaison, full):
    client = staff_client(liaison)
    response = post(client, "complaint_note", full, {"text": "  Called the shelter ZX-NEW  "})
    assert response.status_code == 302
    note = CaseNote.objects.latest("id")
    assert (note.text, note.author, note.complaint) == ("Called the shelter ZX-NEW", liaison, full)
    event = AuditEvent.objects.get(action="case.note_added")
    assert event.data == {"note": note.pk} and "ZX-NEW" not in str(event.data) + event.reason
    assert messages_of(post(client, "complaint_note", full, {"text": "   "})) == ["Write the note first."]
    assert CaseNote.objects.filter(complaint=full).count() == 2


def test_a_contact_attempt_is_recorded_and_audited(staff_client, liaison, full):
    client = staff_client(liaison)
    post(client, "complaint_contact_attempt", full, {"method": "whatsapp", "result": "unsafe", "note": "later"})
    attempt = ContactAttempt.objects.latest("id")
    assert (attempt.method, attempt.result, attempt.note, attempt.actor) == ("whatsapp", "unsafe", "later", liaison)
    event = AuditEvent.objects.get(action="complaint.contact_attempted")
    assert event.data == {"attempt": attempt.pk, "method": "whatsapp", "result": "unsafe"}
    response = post(client, "complaint_contact_attempt", full, {"method": "pigeon", "result": "reached"})
    assert messages_of(response) == ["Choose how you tried to reach the person."]
    response = post(client, "complaint_contact_attempt", full, {"method": "call", "result": "maybe"})
    assert messages_of(response) == ["Choose what happened."]
    assert ContactAttempt.objects.filter(complaint=full).count() == 2


def test_referrals_are_added_and_updated_with_their_own_reference_and_status(staff_client, liaison, full):
    client = staff_client(liaison)
    response = post(client, "complaint_referral_add", full, {"body": "other", "status": "preparing"})
    assert messages_of(response) == ["Name the other oversight body."]
    data = {"body": "other", "body_other": "State AG", "external_reference": "AG-17", "status": "sent"}
    post(client, "complaint_referral_add", full, data)
    referral = Referral.objects.latest("id")
    assert (referral.body_other, referral.external_reference, referral.status) == ("State AG", "AG-17", "sent")
    assert referral.sent_on is not None
    assert AuditEvent.objects.get(action="referral.created").data["body"] == "other"

    update = {"status": "investigating", "external_reference": "AG-17-B", "version": referral.version}
    post(client, "complaint_referral_update", full, update, referral.pk)
    referral.refresh_from_db()
    assert (referral.status, referral.external_reference, referral.version) == ("investigating", "AG-17-B", 2)
    event = AuditEvent.objects.get(action="referral.updated")
    assert (event.data["from"], event.data["to"]) == ("sent", "investigating")

    # The same page sent again is stale; a forged status changes nothing.
    response = post(client, "complaint_referral_update", full, {**update, "status": "closed"}, referral.pk)
    assert messages_of(response) == [
        "Someone else changed this referral. Please look at it again before you change it."
    ]
    response = post(client, "complaint_referral_update", full, {**update, "status": "won", "version": 2}, referral.pk)
    assert messages_of(response) == ["Choose the referral's status."]
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("investigating", 2)
    assert "AG-17-B" in page(client, full)


def test_a_referral_of_another_complaint_is_not_found(staff_client, liaison, full):
    other = file_complaint(key="web:2")
    referral = full.referrals.get()
    response = post(staff_client(liaison), "complaint_referral_update", other, {"status": "sent"}, referral.pk)
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == "preparing"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"body": "fbi"}, "Choose the oversight body."),
        ({"body": "dhs_oig", "status": "lost"}, "Choose the referral's status."),
        ({"body": "dhs_oig", "sent_on": "2026-02-30"}, "Give the date as year-month-day, for example 2026-10-03."),
        ({"body": "dhs_oig", "sent_on": "2999-01-01"}, "The date it was sent cannot be in the future."),
        ({"body": "dhs_oig", "external_reference": "x" * 101}, "Check the referral: a value is too long or not valid."),
    ],
)
def test_a_bad_referral_changes_nothing(staff_client, liaison, full, data, message):
    response = post(staff_client(liaison), "complaint_referral_add", full, data)
    assert messages_of(response) == [message]
    assert full.referrals.count() == 1


def test_a_duplicate_is_closed_and_merged_into_the_one_kept(staff_client, liaison, full):
    kept = file_complaint(key="web:2")
    response = post(staff_client(liaison), "complaint_merge", full, {"into": kept.reference.lower(), "version": 1})
    assert response.status_code == 302
    full.refresh_from_db()
    assert (full.status, full.outcome, full.merged_into) == (Status.CLOSED, "duplicate", kept)
    assert full.events.filter(kind=ComplaintEvent.Kind.MERGED).count() == 1
    assert AuditEvent.objects.get(action="complaint.merged").data == {"into": kept.reference}
    html = page(staff_client(liaison), kept)
    assert full.reference in html


@pytest.mark.parametrize(
    "case,message",
    [
        ("self", "A complaint cannot be merged into itself."),
        ("unknown", "No complaint has the reference you gave."),
        ("target merged", "That complaint is itself merged into another one: merge into that one instead."),
        ("loop", "That complaint is merged into this one: merging would make a loop."),
        ("already merged", "This complaint is merged into another already."),
        ("stale", "Someone else changed this complaint. Please look at it again before you change it."),
    ],
)
def test_merges_that_would_tangle_the_chain_are_refused(staff_client, liaison, case, message):
    from cases.services import complaint_merge

    this, other, third = (file_complaint(key=f"web:{i}") for i in range(3))
    into, version = other.reference, this.version
    if case == "self":
        into = this.reference
    elif case == "unknown":
        into = "C-999999"
    elif case == "target merged":
        complaint_merge(complaint=other, into_reference=third.reference, actor=liaison, version=other.version)
    elif case == "loop":
        complaint_merge(complaint=other, into_reference=this.reference, actor=liaison, version=other.version)
    elif case == "already merged":
        this = complaint_merge(complaint=this, into_reference=third.reference, actor=liaison, version=this.version)
        version = this.version
    elif case == "stale":
        version += 1
    before = Complaint.objects.get(pk=this.pk)
    response = post(staff_client(liaison), "complaint_merge", this, {"into": into, "version": version})
    assert messages_of(response) == [message]
    after = Complaint.objects.get(pk=this.pk)
    assert (after.status, after.merged_into_id, after.version) == (before.status, before.merged_into_id, before.version)


# Roles and bad input -----------------------------------------------------------------------------

WRITES = [
    ("complaint_move", {"status": "acknowledged", "version": "1"}),
    ("complaint_reveal", {"reason": "Need to call them back now"}),
    ("complaint_note", {"text": "note"}),
    ("complaint_contact_attempt", {"method": "call", "result": "reached"}),
    ("complaint_referral_add", {"body": "dhs_oig"}),
    ("complaint_referral_update", {"status": "sent", "version": "1"}),
    ("complaint_merge", {"into": "C-000002", "version": "1"}),
]


def write_url(name, complaint):
    args = [complaint.referrals.get().pk] if name == "complaint_referral_update" else []
    return url(name, complaint, *args)


@pytest.mark.parametrize("name,data", WRITES)
def test_the_auditor_cannot_change_anything(staff_client, auditor, full, name, data):
    file_complaint(key="web:2")
    audited = AuditEvent.objects.count()
    response = staff_client(auditor).post(write_url(name, full), data)
    assert response.status_code == 403
    assert AuditEvent.objects.count() == audited
    current = Complaint.objects.get(pk=full.pk)
    assert (current.status, current.version, current.merged_into_id) == (Status.RECEIVED, full.version, None)
    assert CaseNote.objects.count() == 1 and ContactAttempt.objects.count() == 1 and Referral.objects.count() == 1
    assert NAME not in response.content.decode()


@pytest.mark.parametrize("name,data", WRITES)
def test_writes_are_post_only(staff_client, liaison, full, name, data):
    assert staff_client(liaison).get(write_url(name, full), data).status_code == 405


GARBAGE = [
    {},
    {"version": "1e9", "status": "closed", "outcome": "x" * 5000},
    {"version": "-1", "into": "'; DROP TABLE", "body": ["a", "b"], "method": "\x00", "result": "☃"},
    {"text": "x" * 20000, "note": "y" * 20000, "sent_on": "99999-99-99", "reason": "\x00 \x00"},
    {"sent_on": "0000-00-00", "external_reference": "☃" * 300, "body": "other", "body_other": "z" * 500},
    {"body": "dhs_oig", "external_reference": "a\x00b", "into": "C-\x00", "text": "\x00", "reason": "a\x00 b c d e f"},
]


@pytest.mark.parametrize("data", GARBAGE)
@pytest.mark.parametrize("name", [name for name, _data in WRITES])
def test_garbage_posts_never_fail(staff_client, liaison, full, name, data):
    response = staff_client(liaison).post(write_url(name, full), data)
    assert response.status_code in (200, 302), response.status_code
    current = Complaint.objects.get(pk=full.pk)
    assert (current.status, current.merged_into_id) == (Status.RECEIVED, None)


def test_posts_about_an_unknown_complaint_are_not_found(staff_client, liaison):
    client = staff_client(liaison)
    for name, data in WRITES:
        args = ["C-999999", 1] if name == "complaint_referral_update" else ["C-999999"]
        assert client.post(reverse(f"staff:{name}", args=args), data).status_code == 404, name
    assert client.get(reverse("staff:complaint_attachment", args=["C-999999", 1])).status_code == 404


# Review fixes ------------------------------------------------------------------------------------


def test_the_auditor_learns_only_that_there_are_contact_details(staff_client, auditor, liaison, full):
    html = page(staff_client(auditor), full)
    assert "•••• 76" not in html and "Text message" not in html and "Safe to send messages" not in html
    assert "The filer left contact details." in html
    assert page(staff_client(liaison), full).count("•••• 76") == 1  # a case worker still sees the mask
    anonymous = file_complaint(key="web:9", anonymous=True)
    assert "Anonymous: no contact details." in page(staff_client(auditor), anonymous)


def test_the_page_costs_the_same_queries_for_one_or_three_footage_requests(staff_client, liaison):
    from datetime import date

    from cases.services import footage_pause, footage_request_create

    complaint = file_complaint(key="web:5", wants=["footage"])
    client = staff_client(liaison)

    def request():
        footage = footage_request_create(
            requester_type="subject", received_on=date(2026, 11, 2), perfected_on=date(2026, 11, 3),
            actor=liaison, complaint=complaint,
        )  # fmt: skip
        footage_pause(request=footage, on=date(2026, 11, 10), actor=liaison, version=footage.version)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page(client, complaint)
        return len(captured)

    request()
    page(client, complaint)  # sessions and caches warm
    one = queries()
    request()
    request()
    assert queries() == one


def test_a_merge_repoints_the_complaints_merged_into_this_one(liaison):
    from cases.services import complaint_merge

    first, second, kept = (file_complaint(key=f"web:{i}") for i in range(3))
    complaint_merge(complaint=first, into_reference=second.reference, actor=liaison, version=first.version)
    second.refresh_from_db()
    complaint_merge(complaint=second, into_reference=kept.reference, actor=liaison, version=second.version)
    first.refresh_from_db()
    assert first.merged_into == kept
    assert set(kept.duplicates.values_list("pk", flat=True)) == {first.pk, second.pk}
