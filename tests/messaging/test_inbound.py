import threading

import pytest
from django.db import connection
from django.test import Client
from twilio.request_validator import RequestValidator

from messaging.keywords import keyword_of
from messaging.models import InboundMessage
from messaging.selectors import is_opted_out

TOKEN = "test-auth-token"
URL = "https://voces.example.org/twilio/sms/"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://voces.example.org"


def inbound(client, body="hola", sid="SM1", sender="+17135550101", **extra):
    data = {"MessageSid": sid, "From": sender, "To": "+15550009999", "Body": body, **extra}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    return client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.django_db
def test_a_signed_message_is_stored_encrypted_and_answered_with_twiml(client):
    response = inbound(client, body="Necesito ayuda con mi hermano")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response>" in response.content
    message = InboundMessage.objects.get()
    assert message.body == "Necesito ayuda con mi hermano"
    with connection.cursor() as cursor:
        cursor.execute("SELECT from_address, body, media FROM messaging_inboundmessage")
        raw = str(cursor.fetchall())
    assert "hermano" not in raw
    assert "5550101" not in raw


@pytest.mark.django_db
def test_twilios_retry_of_the_same_message_is_stored_once(client):
    inbound(client, sid="SMretry")
    inbound(client, sid="SMretry")
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_create_one_row(postgres):
    codes = []

    def deliver():
        codes.append(inbound(Client(), sid="SMconcurrent").status_code)
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    assert InboundMessage.objects.filter(provider_id="SMconcurrent").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "word", ["STOP", "stop", " Stop! ", "Parar", "Sispann", "ARRÊT", "退订", "Dừng lại", "توقف", "إلغاء", "СТОП", "ਬੰਦ"]
)
def test_opt_out_words_in_every_language_are_honoured(client, word):
    inbound(client, body=word)
    assert is_opted_out(channel="sms", address="+17135550101")


@pytest.mark.django_db
def test_a_sentence_containing_stop_is_not_an_opt_out(client):
    inbound(client, body="they told me to stop the car")
    assert not is_opted_out(channel="sms", address="+17135550101")


@pytest.mark.django_db
def test_start_opts_back_in(client):
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body="start", sid="SM2")
    assert not is_opted_out(channel="sms", address="+17135550101")


@pytest.mark.django_db
def test_whatsapp_messages_are_told_apart(client):
    inbound(client, sender="whatsapp:+17135550101", body="STOP")
    assert is_opted_out(channel="whatsapp", address="+17135550101")
    assert not is_opted_out(channel="sms", address="+17135550101")


@pytest.mark.parametrize("answer", ["Alto", "baja", "Huy", "Dũng", "dùng", "para"])
def test_everyday_answers_and_names_are_not_opt_outs(answer):
    assert keyword_of(answer) == ""


def test_vietnamese_words_are_read_with_their_letters():
    assert keyword_of("Bắt đầu") == "opt_in"
    assert keyword_of("Dừng lại") == "opt_out"
    assert keyword_of("Hủy đăng ký") == "opt_out"


@pytest.mark.django_db
def test_a_nul_in_a_message_id_is_a_400_not_a_500(client):
    data = {"MessageSid": "SM\x00", "From": "+17135550101", "Body": "hola"}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 400


def test_invisible_marks_and_punctuation_do_not_hide_a_keyword():
    assert keyword_of("\u200fSTOP\u200e") == "opt_out"
    assert keyword_of("«stop»") == "opt_out"
    assert keyword_of("stop stop") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,status",
    [
        ({"MessageSid": "SM9", "Body": "hola"}, 400),
        ({"From": "+17135550101", "Body": "hola"}, 400),
        ({"MessageSid": "SM9", "From": "+17135550101", "Body": "x" * 10_000}, 200),
        ({"MessageSid": "SM9", "From": "+17135550101", "Body": "😀\u202e\u200b مرحبا"}, 200),
        ({"MessageSid": "SM9", "From": "+17135550101", "NumMedia": "lots"}, 200),
    ],
)
def test_odd_messages_get_a_clear_answer_never_a_500(client, data, status):
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == status


@pytest.mark.django_db
def test_an_unsigned_message_is_refused_and_stores_nothing(client):
    assert client.post("/twilio/sms/", {"MessageSid": "SM1", "From": "+1713", "Body": "STOP"}).status_code == 403
    assert not InboundMessage.objects.exists()
    assert not is_opted_out(channel="sms", address="+1713")
