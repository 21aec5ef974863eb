import pytest

from intake.models import Complaint, ComplaintNote
from intake.services import complaint_change_status
from tests import files
from tests.intake.helpers import submit, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(client):
    token = walk(client)
    number = submit(client, token)
    client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"})
    return number


def grouped(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, 16, 4))


def test_a_filer_sees_a_plain_timeline(client, receipt, supervisor):
    complaint = Complaint.objects.get()
    complaint_change_status(complaint=complaint, status="acknowledged", actor=supervisor)
    complaint_change_status(complaint=complaint, status="referred", actor=supervisor)
    response = client.post("/en/status/", {"receipt": grouped(receipt)})
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["Received", "Read by our team", "Sent to an oversight office"]:
        assert label in html
    assert complaint.reference not in html  # the internal reference is for staff


def test_the_number_is_found_however_it_is_written(client, receipt):
    for written in [receipt, grouped(receipt), f"{receipt[:4]}-{receipt[4:8]}-{receipt[8:]}"]:
        assert client.post("/es/status/", {"receipt": written}).status_code == 200


def test_a_wrong_number_reveals_nothing(client, receipt):
    wrong = client.post("/es/status/", {"receipt": "1234 5678 1234 5678"})
    malformed = client.post("/es/status/", {"receipt": "12345"})
    assert wrong.status_code == malformed.status_code == 400
    message = "No encontramos"
    assert message.lower() in wrong.content.decode().lower() or 'class="error-summary"' in wrong.content.decode()

    def error_of(response):
        html = response.content.decode()
        start = html.index('class="error-message"')
        return html[start : html.index("</p>", start)]

    assert error_of(wrong) == error_of(malformed)


def test_lookups_are_rate_limited_per_client(client, receipt, settings):
    settings.STATUS_LOOKUP_RATE_PER_CLIENT = "3/h"
    for _ in range(3):
        client.post("/es/status/", {"receipt": "1111 2222 3333 4444"})
    limited = client.post("/es/status/", {"receipt": grouped(receipt)})
    assert limited.status_code == 429


def test_lookups_are_rate_limited_per_receipt_from_any_client(client, receipt, settings):
    settings.STATUS_LOOKUP_RATE_PER_RECEIPT = "2/h"
    for n in range(2):
        client.post("/es/status/", {"receipt": receipt}, REMOTE_ADDR=f"10.0.0.{n}")
    assert client.post("/es/status/", {"receipt": receipt}, REMOTE_ADDR="10.0.0.9").status_code == 429


def test_the_rate_limit_keeps_no_address(client, receipt):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    store = caches["default"]
    client.post("/es/status/", {"receipt": receipt}, REMOTE_ADDR="203.0.113.77")
    if isinstance(store, RedisCache):
        kept = [key.decode() for key in store._cache.get_client().keys("*")]
    else:
        kept = [repr(entry) for entry in store._cache.items()]
    assert any("rl:status-client" in entry for entry in kept)
    assert not any("203.0.113.77" in entry or receipt in entry for entry in kept)


def test_a_filer_can_add_information_and_files(client, receipt, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(
        "/es/status/add/", {"receipt": receipt, "text": "I found a witness.", "files": [files.png()]}
    )
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert ComplaintNote.objects.get().text == "I found a witness."
    assert complaint.attachments.count() == 1
    assert complaint.events.filter(kind="info_added").exists()


def test_adding_nothing_is_refused(client, receipt):
    response = client.post("/es/status/add/", {"receipt": receipt, "text": "  "})
    assert response.status_code == 400
    assert not ComplaintNote.objects.exists()


def test_a_filer_can_withdraw_after_confirming(client, receipt):
    refused = client.post("/es/status/withdraw/", {"receipt": receipt})
    assert refused.status_code == 400
    assert Complaint.objects.get().status == "received"
    response = client.post("/es/status/withdraw/", {"receipt": receipt, "confirm": "1"})
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.status == "closed"
    assert complaint.outcome == "withdrawn"
    assert 'action="/es/status/add/"' not in response.content.decode()


def test_a_receipt_typed_in_arabic_indic_digits_is_found(client, receipt):
    arabic = receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.post("/ar/status/", {"receipt": arabic}).status_code == 200


def test_withdrawing_twice_is_the_same_as_once(client, receipt):
    first = client.post("/es/status/withdraw/", {"receipt": receipt, "confirm": "1"})
    second = client.post("/es/status/withdraw/", {"receipt": receipt, "confirm": "1"})
    assert first.status_code == second.status_code == 200
    assert Complaint.objects.get().events.filter(status="closed").count() == 1


def test_the_status_page_still_answers_when_the_cache_is_down(client, receipt, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    assert client.post("/es/status/", {"receipt": receipt}).status_code == 200


def test_a_forged_forwarded_address_does_not_escape_the_limit(client, receipt, settings):
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.STATUS_LOOKUP_RATE_PER_CLIENT = "2/h"
    codes = [
        client.post(
            "/es/status/", {"receipt": "1111 2222 3333 4444"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7"
        ).status_code
        for n in range(4)
    ]
    assert codes[-1] == 429
