"""The public status lookup of the API: a receipt in the body, the status page's answer and its
rate limits, nothing more, and the receipt never written anywhere."""

import json
import logging

import pytest

from intake.models import Complaint
from intake.services import ComplaintInput, complaint_add_information, complaint_change_status, complaint_submit
from tests.intake.helpers import submit, walk

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/status/"
ADDRESS = "203.0.113.77"


@pytest.fixture
def filed():
    """A complaint and its receipt, as the filer got it."""
    data = ComplaintInput(
        filer_role="person_affected",
        language="es",
        allegations=["excessive_force"],
        state="TX",
        narrative="They broke the window.",
    )
    result = complaint_submit(data=data, channel="sms", submission_key="sms:SM1")
    return result.complaint, result.receipt


def grouped(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, 16, 4))


def lookup(api, receipt, **extra):
    # json.dumps escapes what UTF-8 cannot carry (a lone surrogate), as a client's JSON would.
    return api.post(STATUS, json.dumps({"receipt": receipt}), content_type="application/json", **extra)


def test_it_tells_the_status_outcome_and_timeline_and_nothing_more(api, filed, supervisor):
    complaint, receipt = filed
    complaint = complaint_change_status(complaint=complaint, status="acknowledged", actor=supervisor)
    complaint_add_information(complaint=complaint, text="One more thing.")
    complaint_change_status(complaint=complaint, status="closed", outcome="resolved", actor=supervisor)
    Complaint.objects.filter(pk=complaint.pk).update(assignee=supervisor)  # staff's own history is not shown

    response = lookup(api, receipt)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"status", "outcome", "timeline"}
    assert (answer["status"], answer["outcome"]) == ("closed", "resolved")
    assert [(row["kind"], row["status"], row["outcome"]) for row in answer["timeline"]] == [
        ("status", "received", ""),
        ("status", "acknowledged", ""),
        ("info_added", "acknowledged", ""),
        ("status", "closed", "resolved"),
    ]
    assert complaint.reference not in response.content.decode()  # the internal reference is for staff
    assert "no-store" in response["Cache-Control"]


def test_the_number_is_found_however_it_is_written(api, filed):
    _complaint, receipt = filed
    arabic = receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for written in (receipt, grouped(receipt), f"{receipt[:4]}-{receipt[4:8]}-{receipt[8:]}", arabic):
        assert lookup(api, written).status_code == 200, written


def test_a_receipt_not_filed_yet_is_pending(api, client):
    token = walk(client)
    receipt = submit(client, token, filed=False)
    assert not Complaint.objects.exists()
    response = lookup(api, receipt)
    assert response.status_code == 200
    assert response.json() == {"status": "pending", "outcome": "", "timeline": []}


@pytest.mark.parametrize(
    "value",
    ["1234 5678 1234 5678", "12345", "", "abcd", "1" * 17, "1" * 5000, "1234\x005678\x001234\x005678"],
    ids=["wrong", "short", "empty", "letters", "long", "huge", "nul"],
)
def test_a_wrong_or_malformed_number_gets_one_answer(api, filed, value):
    wrong = lookup(api, "9999 8888 7777 6666")
    response = lookup(api, value)
    assert response.status_code == wrong.status_code == 404
    assert response.json() == wrong.json()
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"receipt": null}', b'{"receipt": ["1"]}', b"[]", b"not json", b'{"receipt": true}'],
)
def test_a_body_without_a_receipt_is_a_400(api, body):
    response = api.post(STATUS, body, content_type="application/json")
    assert response.status_code == 400, response.content


def test_it_answers_in_the_language_of_the_request(api, filed):
    response = lookup(api, "1111 2222 3333 4444", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["error"]["message"].startswith("No encontramos ninguna queja con este número.")


def test_lookups_are_rate_limited_per_client(api, filed, settings):
    _complaint, receipt = filed
    settings.STATUS_LOOKUP_RATE_PER_CLIENT = "3/h"
    for _ in range(3):
        lookup(api, "1111 2222 3333 4444")
    limited = lookup(api, receipt, HTTP_ACCEPT_LANGUAGE="es")
    assert limited.status_code == 429
    assert limited.json()["error"] == {
        "code": "throttled",
        "message": "Demasiados intentos. Por favor, espere una hora y vuelva a intentarlo.",
        "fields": {},
    }
    assert lookup(api, receipt, REMOTE_ADDR="198.51.100.4").status_code == 200  # another client


def test_lookups_are_rate_limited_per_receipt_from_any_client(api, filed, settings):
    _complaint, receipt = filed
    settings.STATUS_LOOKUP_RATE_PER_RECEIPT = "2/h"
    for n in range(2):
        assert lookup(api, receipt, REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    assert lookup(api, grouped(receipt), REMOTE_ADDR="10.0.0.9").status_code == 429


def test_the_web_and_the_api_share_the_limits(api, client, filed, settings):
    settings.STATUS_LOOKUP_RATE_PER_CLIENT = "2/h"
    client.post("/es/status/", {"receipt": "1111 2222 3333 4444"})
    client.post("/es/status/", {"receipt": "1111 2222 3333 4444"})
    assert lookup(api, filed[1]).status_code == 429


def test_a_token_is_neither_needed_nor_read(api, api_as, filed, advocate):
    _complaint, receipt = filed
    assert lookup(api_as(advocate), receipt).status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Bearer vcs_not_a_token")
    assert lookup(api, receipt).status_code == 200


def test_only_post_is_answered(api, filed):
    _complaint, receipt = filed
    assert api.get(STATUS, {"receipt": receipt}).status_code == 405


def test_no_receipt_or_address_reaches_the_logs(api, filed, settings, caplog):
    _complaint, receipt = filed
    settings.STATUS_LOOKUP_RATE_PER_RECEIPT = "2/h"
    caplog.set_level(logging.DEBUG)
    for value in (receipt, grouped(receipt), "9999 8888 7777 6666", receipt):
        lookup(api, value, REMOTE_ADDR=ADDRESS)
    assert caplog.records  # the 404 and the 429 are logged, by path
    logged = "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)
    for secret in (receipt, grouped(receipt), receipt[-8:], "99998888", ADDRESS):
        assert secret not in logged
