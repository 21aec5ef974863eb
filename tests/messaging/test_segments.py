import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from messaging.segments import segments


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a" * 160, ("gsm7", 1)),
        ("a" * 161, ("gsm7", 2)),
        ("{" * 80, ("gsm7", 1)),  # extension characters take two septets
        ("{" * 81, ("gsm7", 2)),
        ("Sí, está aquí", ("ucs2", 1)),  # í and á are outside GSM-7
        ("ñ é ü ¿ ¡", ("gsm7", 1)),
        ("ا" * 70, ("ucs2", 1)),
        ("ا" * 71, ("ucs2", 2)),
        ("😀" * 35, ("ucs2", 1)),  # an emoji is two UTF-16 units
    ],
)
def test_segments_follow_the_sms_rules(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_the_receipt_text_fits_in_two_segments_in_every_language(language):
    with translation.override(language):
        body = render_to_string("intake/messages/receipt.txt", {"receipt": "4821 5530 1968 2207"}).strip()
    encoding, count = segments(body)
    assert count <= 2, (language, encoding, len(body), body)
