"""Reading the complaint flow's own answers typed on a phone: DONE after the story, and places.
The readers every flow shares (numbers, yes and no, dates, the command words with STATUS and a
receipt number) live in messaging.answers and are named here too, so the complaint flow reads
them all from one module. Pure functions."""

from intake.choices import US_STATES
from messaging.answers import (  # noqa: F401  (the shared readers, named here for the complaint flow)
    BACK,
    DONT_KNOW,
    HELP,
    NO,
    RESTART,
    STATUS,
    YES,
    Ambiguous,
    choice_of,
    choices_of,
    command_of,
    count_of,
    date_of,
    digits_of,
    numbers_in,
)
from messaging.answers import word_set as _words
from messaging.keywords import normalise

# The language a STATUS word is in, when a conversation begins with it.
STATUS_LANGUAGES = {"estado": "es", "estatus": "es", "situacao": "pt", "estati": "ht", "statut": "fr",
                    "trang": "vi", "статус": "ru"}  # fmt: skip
DONE = _words(
    "done|listo|lista|ya|termine|terminé|pronto|terminei|fini|fin|mwen fini|terminé|j'ai fini|完成|好了|xong|"
    "انتهيت|تم|готово|всё|все|ਹੋ ਗਿਆ|ਪੂਰਾ"
)

_STATE_NAMES = {normalise(name): code for code, name in US_STATES}
_STATE_CODES = {code for code, _name in US_STATES}


def place_of(text: str) -> tuple[str, str] | None:
    """(city, state code) from 'Houston, TX', 'Houston Texas' or 'houston, tx'; None without a
    state, or when what comes before it is longer than a city's name (an address is not kept in
    the open). A two-letter code counts when written in capitals or after a comma ("Florid la"
    is not Louisiana)."""
    cleaned = " ".join(text.replace(",", " , ").split())[:200]
    words = cleaned.split()
    if not words:
        return None
    for size in (3, 2, 1):  # "District of Columbia", "New York", "TX"
        if len(words) < size or "," in words[-size:]:
            continue
        tail = " ".join(words[-size:])
        code = _STATE_NAMES.get(normalise(tail))
        after_comma = len(words) > size and words[-size - 1] == ","
        if code is None and size == 1 and tail.upper() in _STATE_CODES and (tail.isupper() or after_comma):
            code = tail.upper()
        if code:
            city = " ".join(w for w in words[:-size] if w != ",").strip()
            if len(city.split()) > 4 or len(city) > 60 or any(ch.isdigit() for ch in city):
                return None
            return city, code
    return None
