import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from intake.choices import Status
from intake.models import Allegation, Attachment, Complaint, ComplaintContact, Draft
from intake.services import draft_file, drafts_file_pending, drafts_purge_expired
from messaging.models import OutboundMessage
from privacy.models import AuditEvent
from tests.intake.helpers import VALID, post_step, start, submit, walk

pytestmark = pytest.mark.django_db
RECEIPT = re.compile(r'class="receipt"[^>]*>([\d ]+)<')


def test_an_anonymous_complaint_filed_in_spanish(client):
    token = walk(client, "es")
    review = client.get(f"/es/complaint/{token}/review/")
    assert review.status_code == 200
    html = review.content.decode()
    assert "They pushed my door open" in html
    assert 'lang="es"' in html
    receipt = submit(client, token)
    assert len(receipt) == 16
    complaint = Complaint.objects.get()
    assert complaint.reference == "C-000001"
    assert complaint.language == "es"
    assert complaint.channel == "web"
    assert complaint.is_anonymous
    assert complaint.field_office.code == "ATL"
    assert set(Allegation.objects.values_list("kind", flat=True)) == {"excessive_force", "body_camera"}
    assert complaint.body_camera_seen == "no"
    assert not ComplaintContact.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert AuditEvent.objects.filter(action="complaint.submitted", object_ref="C-000001").exists()


@pytest.mark.parametrize("language", ["ar", "ht", "zh-hans", "pa"])
def test_the_form_can_be_filed_in_other_languages(client, language):
    token = walk(client, language)
    submit(client, token, language)
    assert Complaint.objects.get().language == "es"  # the contact language chosen on the last step


def test_submitting_the_same_draft_twice_creates_one_complaint(client):
    token = walk(client)
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = client.post(f"/es/complaint/{token}/review/")
        receipt = RECEIPT.search(client.get(f"/es/complaint/{token}/receipt/").content.decode()).group(1)
        second = client.post(f"/es/complaint/{token}/review/")
    assert first.status_code == second.status_code == 302
    assert Complaint.objects.count() == 1
    assert RECEIPT.search(client.get(f"/es/complaint/{token}/receipt/").content.decode()).group(1) == receipt


def test_a_submission_is_accepted_at_once_and_filed_by_the_worker(client, django_capture_on_commit_callbacks):
    token = walk(client)
    with django_capture_on_commit_callbacks() as tasks:
        receipt = submit(client, token, filed=False)
    assert len(tasks) == 1  # the sweep, sent after commit where there is no beat (here, eager)
    assert not Complaint.objects.exists()
    pending = client.post("/es/status/", {"receipt": receipt})
    assert pending.status_code == 200 and pending.context["pending"]
    assert "status/add/" not in pending.content.decode()
    # Not yet filed: the purge leaves it, however late; the sweep files it once.
    assert drafts_purge_expired(now=timezone.now() + timedelta(days=3)) == 0
    assert drafts_file_pending() == 1
    assert drafts_file_pending() == 0
    complaint = Complaint.objects.get()
    assert complaint.narrative == VALID["story"]["narrative"]
    assert complaint.allegations.count() == 2
    found = client.post("/es/status/", {"receipt": receipt})
    assert found.context["complaint"] == complaint


def test_a_number_saved_before_filing_is_forgotten_but_the_complaint_is_not(client):
    token = walk(client)
    receipt = submit(client, token, filed=False)
    assert client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"}).status_code == 200
    assert client.get(f"/es/complaint/{token}/receipt/").status_code == 404
    draft = Draft.objects.get()
    assert draft.expires_at <= timezone.now()  # no longer shown, kept until filed
    assert draft_file(draft_id=draft.pk) is not None
    assert draft_file(draft_id=draft.pk) is None
    assert not Draft.objects.exists()
    assert client.post("/es/status/", {"receipt": receipt}).context["complaint"] == Complaint.objects.get()


def test_the_receipt_is_shown_until_the_filer_has_saved_it(client):
    token = walk(client)
    receipt = submit(client, token)
    again = client.get(f"/es/complaint/{token}/receipt/").content.decode()
    assert receipt[:4] in again
    refused = client.post(f"/es/complaint/{token}/receipt/", {})
    assert refused.status_code == 200  # not a 4xx: the request log would record the URL
    assert 'role="alert"' in refused.content.decode()
    done = client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"})
    assert done.status_code == 200
    assert not Draft.objects.exists()
    assert client.get(f"/es/complaint/{token}/receipt/").status_code == 404


def test_the_receipt_is_stored_only_as_a_hash(client):
    token = walk(client)
    receipt = submit(client, token)
    client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"})
    with connection.cursor() as cursor:
        for table in ["intake_complaint", "intake_draft", "privacy_auditevent", "messaging_outboundmessage"]:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            assert receipt not in str(cursor.fetchall())


def test_an_urgent_complaint_on_behalf_with_contact_notifies_filer_and_staff(
    client, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_ONDUTY_EMAIL = "duty@voces.test"
    overrides = {
        "about": {
            "filer_role": "advocate",
            "organization_name": "Gulf Coast Legal Aid",
            "on_behalf_consent": "on",
            "urgent": ["medical", "detained"],
        },
        "contact": {
            "contact_choice": "contact",
            "name": "Rosa Martínez",
            "phone": "(713) 555-0188",
            "email": "rosa@example.org",
            "preferred_method": "sms",
            "safe_to_message": "yes",
            "consent_contact": "on",
            "contact_language": "es",
        },
    }
    token = walk(client, "es", overrides)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, token)
    complaint = Complaint.objects.get()
    assert complaint.is_urgent
    assert complaint.urgent_flags == ["detained", "medical"]
    assert complaint.filer_role == "advocate"
    assert complaint.on_behalf_consent_at is not None
    assert complaint.contact.phone == "+17135550188"
    messages = {m.purpose: m for m in OutboundMessage.objects.all()}
    assert messages["complaint.receipt"].channel == "sms"
    assert messages["complaint.receipt"].status == "sent"
    assert messages["complaint.receipt"].body == ""  # the receipt is wiped once sent
    assert [m.to for m in mail.outbox] == [["duty@voces.test"]]
    staff_mail = mail.outbox[0]
    assert "C-000001" in staff_mail.subject
    assert "Rosa" not in staff_mail.body
    assert "Someone needs medical help now" in staff_mail.body


def test_the_sms_to_the_filer_is_discreet(client, caplog, django_capture_on_commit_callbacks, settings):
    settings.DEBUG = True  # the console transport shows the text only in development
    overrides = {
        "contact": {
            "contact_choice": "contact",
            "phone": "713 555 0188",
            "safe_to_message": "yes",
            "consent_contact": "on",
            "contact_language": "es",
        }
    }
    token = walk(client, "es", overrides)
    with caplog.at_level("INFO", logger="messaging.transports"), django_capture_on_commit_callbacks(execute=True):
        receipt = submit(client, token)
    sent = "\n".join(r.getMessage() for r in caplog.records if r.name == "messaging.transports")
    assert receipt in sent.replace(" ", "")
    for word in ["ICE", "inmigración", "queja", "fuerza", "agente", "cámara"]:
        assert word.lower() not in sent.lower()


def test_an_advocate_must_confirm_consent(client):
    token = start(client)
    response = post_step(client, token, "about", {"filer_role": "advocate"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_on_behalf_consent"' in html


def test_back_keeps_the_answers_of_the_page(client):
    token = start(client)
    post_step(client, token, "about", VALID["about"])
    response = post_step(client, token, "what", {"city": "Laredo", "nav": "back"})
    assert response.status_code == 302
    assert response["Location"].endswith("/about/")
    html = client.get(f"/es/complaint/{token}/what/").content.decode()
    assert 'value="Laredo"' in html


def test_a_state_with_several_offices_asks_which_one(client):
    token = start(client)
    post_step(client, token, "about", VALID["about"])
    post_step(client, token, "what", {**VALID["what"], "state": "TX"})
    html = client.get(f"/es/complaint/{token}/officers/").content.decode()
    for code in ["DAL", "ELP", "HLG", "HOU", "SNA"]:
        assert f'value="{code}"' in html
    post_step(client, token, "what", {**VALID["what"], "state": "GA"})
    html = client.get(f"/es/complaint/{token}/officers/").content.decode()
    assert 'name="field_office"' not in html


def test_the_review_sends_the_filer_back_to_an_unfinished_step(client):
    token = start(client)
    post_step(client, token, "about", VALID["about"])
    response = client.get(f"/es/complaint/{token}/review/")
    assert response.status_code == 302
    assert "/what/?from=review&check=1" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'class="error-summary"' in page
    assert not Complaint.objects.exists()


def test_an_unknown_or_expired_draft_is_a_404(client):
    assert client.get("/es/complaint/not-a-token/about/").status_code == 404
    token = start(client)
    Draft.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(f"/es/complaint/{token}/about/").status_code == 404
    assert client.get(f"/es/complaint/{token}/nowhere/").status_code == 404


def test_drafts_are_encrypted_in_the_database(client):
    token = start(client)
    post_step(client, token, "about", VALID["about"])
    post_step(client, token, "what", {**VALID["what"], "city": "Pasadena-Secret"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM intake_draft")
        assert "Pasadena-Secret" not in cursor.fetchone()[0]


def test_a_complaint_starts_its_history_as_received(client):
    submit(client, walk(client))
    complaint = Complaint.objects.get()
    assert list(complaint.events.values_list("status", flat=True)) == [Status.RECEIVED]
    assert not Attachment.objects.exists()


def test_an_odd_file_removal_value_is_ignored(client):
    token = start(client)
    for step in ["about", "what", "officers", "people"]:
        post_step(client, token, step, VALID[step])
    for odd in ["²", "-1", "9" * 40, "١"]:
        response = post_step(client, token, "story", {**VALID["story"], "remove_files": [odd]})
        assert response.status_code in (200, 302)


def test_after_submission_the_receipt_page_lives_one_hour_only(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    token = walk(client)
    submit(client, token)
    draft = Draft.objects.get()
    assert draft.expires_at <= timezone.now() + timedelta(minutes=settings.RECEIPT_SHOWN_MINUTES, seconds=5)


def test_starting_drafts_is_rate_limited(client, settings):
    settings.DRAFT_START_RATE_PER_CLIENT = "2/h"
    assert client.post("/es/complaint/").status_code == 302
    assert client.post("/es/complaint/").status_code == 302
    refused = client.post("/es/complaint/")
    assert refused.status_code == 429
    assert Draft.objects.count() == 2


def test_the_first_step_has_no_back_button_and_back_from_a_change_returns_to_review(client):
    token = walk(client)
    assert 'value="back"' not in client.get(f"/es/complaint/{token}/about/").content.decode()
    response = post_step(client, token, "what", {**VALID["what"], "nav": "back", "from": "review"})
    assert response["Location"].endswith("/review/")


def test_draft_tokens_never_reach_the_logs():
    import logging

    from core.logging import RedactSecrets

    token = "B-eACqNcnVd-pWNecsB8r4cru5V_oQXA"
    path = f"/es/complaint/{token}/receipt/"
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Bad Request: %s", (path,), None)
    RedactSecrets().filter(record)
    assert token not in record.getMessage()
    assert record.getMessage() == "Bad Request: /es/complaint/…/receipt/"


def test_an_answer_changed_after_the_review_page_is_the_one_filed(client):
    token = walk(client)
    assert client.get(f"/es/complaint/{token}/review/").status_code == 200
    changed = {**VALID["story"], "narrative": "Changed after the review: they came at night."}
    assert post_step(client, token, "story", changed).status_code == 302
    submit(client, token)
    assert Complaint.objects.get().narrative == changed["narrative"]


def test_the_review_page_checks_again_a_step_broken_after_it_was_shown(client):
    token = walk(client)
    client.get(f"/es/complaint/{token}/review/")
    post_step(client, token, "story", {**VALID["story"], "narrative": ""})
    response = client.post(f"/es/complaint/{token}/review/")
    assert response.status_code == 302
    assert "/story/?from=review&check=1" in response["Location"]
    assert not Draft.objects.get().is_submitted


def test_a_review_built_from_answers_saved_over_meanwhile_is_not_kept(client):
    from intake.services import ComplaintInput, draft_remember_review

    token = walk(client)
    seen_by_review = Draft.objects.get()
    post_step(client, token, "story", {**VALID["story"], "narrative": "Saved in another tab."})
    draft_remember_review(draft=seen_by_review, data=ComplaintInput(filer_role="witness", language="es"))
    assert Draft.objects.get().reviewed_version is None
    submit(client, token)
    assert Complaint.objects.get().narrative == "Saved in another tab."


def test_a_draft_that_cannot_be_filed_does_not_hold_back_the_others(client, caplog):
    bad = walk(client)
    submit(client, bad, filed=False)
    Draft.objects.update(submission='{"a field no longer known": 1}')  # say, a deploy changed the input
    good = walk(client)
    receipt = submit(client, good, filed=False)
    assert drafts_file_pending() == 1
    assert client.post("/es/status/", {"receipt": receipt}).context["complaint"] == Complaint.objects.get()
    stuck = Draft.objects.get(complaint__isnull=True)
    assert stuck.filing_attempts == 1
    for _attempt in range(4):
        drafts_file_pending()
    stuck.refresh_from_db()
    assert stuck.filing_attempts == 5
    assert any(record.levelname == "ERROR" for record in caplog.records)
    assert drafts_file_pending() == 0  # now tried once an hour, and never purged
    assert Draft.objects.get(pk=stuck.pk).filing_attempts == 5
    drafts_purge_expired(now=timezone.now() + timedelta(days=30))
    assert Draft.objects.filter(pk=stuck.pk).exists()


def test_one_filing_sweep_runs_at_a_time(client):
    from django.core.cache import cache

    from intake.services import SWEEP_LOCK

    submit(client, walk(client), filed=False)
    cache.add(SWEEP_LOCK, "1", 60)  # another sweep is running
    assert drafts_file_pending() == 0
    cache.delete(SWEEP_LOCK)
    assert drafts_file_pending() == 1


def test_an_action_on_a_receipt_not_filed_yet_is_refused_and_says_so(client):
    receipt = submit(client, walk(client), filed=False)
    refused = client.post("/es/status/add/", {"receipt": receipt, "text": "Otra cosa"})
    assert refused.status_code == 409
    assert refused.context["pending"]
    withdrawn = client.post("/es/status/withdraw/", {"receipt": receipt, "confirm": "1"})
    assert withdrawn.status_code == 409
    drafts_file_pending()
    assert Complaint.objects.get().status == "received"


def test_a_step_saved_after_sending_does_not_change_what_was_sent(client):
    token = walk(client)
    seen_before_sending = Draft.objects.get()
    submit(client, token, filed=False)
    from intake.services import draft_save_step

    draft_save_step(draft=seen_before_sending, step="story", answers={**VALID["story"], "narrative": "Late edit"})
    drafts_file_pending()
    assert Complaint.objects.get().narrative == VALID["story"]["narrative"]
