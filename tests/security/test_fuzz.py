"""Fuzzing with hypothesis: the readers of what people type on a phone (opt-out and command words
in every language, choices, numbers, yes and no, dates, places, receipts, phone numbers), the two
conversation flows, and the two spreadsheet importers (paper batches in CSV or XLSX, and XLSForm
survey definitions) are fed arbitrary text, bytes, cells and sheets.

Properties: nothing raises but the documented errors (`Ambiguous` for a date that reads two ways,
`FileUnreadable` from the batch reader, `ApplicationError` from the services, a `ValidationError`
for a phone number); what a person could validly write is read back as what they meant, however
it is dressed (case, accents, punctuation, invisible marks, digits of another script); and every
problem an importer reports names its row and column (or its sheet, row and column).

In CI (REQUIRE_SERVICES=1 or CI set) the profile is derandomized, so a run cannot flake: the same
examples every time. Locally each run draws new ones.
"""

import csv
import io
import json
import os
import re
import string
import zipfile
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import hypothesis
import openpyxl
import phonenumbers
import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import HealthCheck, assume, example, given
from hypothesis import strategies as st
from rest_framework import serializers

from core.errors import ApplicationError
from intake import conversation as complaint_flow
from intake.answers import DONE, STATUS_LANGUAGES, place_of
from intake.api import _phone_e164
from intake.choices import US_STATES
from intake.receipts import RECEIPT_DIGITS, receipt_display, receipt_new, receipt_normalise
from intake.services import _call_phone
from messaging import answers as read
from messaging.addresses import address_index, address_normalise
from messaging.flows import Context
from messaging.keywords import OPT_IN, OPT_OUT, keyword_of, normalise
from surveys import batch_files
from surveys import conversation as survey_flow
from surveys.models import Batch, Question, Response, Survey
from surveys.services import (
    XLSFormInvalid,
    batch_check,
    batch_import,
    batch_upload,
    survey_define,
    survey_import_xlsform,
)
from surveys.xlsform import read_xlsform, version_definition, write_xlsform
from tests.surveys.test_batches import HEADER, answers_of, survey  # noqa: F401  (the paper survey fixture)

hypothesis.settings.register_profile(
    "voces-fuzz",
    max_examples=200,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis.settings.register_profile(
    "voces-fuzz-ci", parent=hypothesis.settings.get_profile("voces-fuzz"), derandomize=True
)
IN_CI = os.environ.get("REQUIRE_SERVICES") == "1" or bool(os.environ.get("CI"))
FUZZ = hypothesis.settings.get_profile("voces-fuzz-ci" if IN_CI else "voces-fuzz")
# Properties that write to the database, or play a whole conversation, draw fewer examples (the
# file's budget in CI is 45 s).
FUZZ_DB = hypothesis.settings(FUZZ, max_examples=40)
FUZZ_LONG = hypothesis.settings(FUZZ, max_examples=100)

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TODAY = date(2026, 11, 28)

# --- Dressing a word as phones and people send it ------------------------------------------------

# Digits of the scripts people text in: ASCII, Arabic-Indic, Persian, Devanagari, Gurmukhi, full width.
DIGIT_ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0xA66, 0xFF10]
# What phones put around a word: spaces (French keyboards put a narrow no-break space before
# ! and ?), the punctuation `normalise` drops, and invisible direction and zero-width marks.
EDGE = [" ", "\u00a0", "\u202f", "\u3000", "\u2028", "\u1680", "\n", "\t", ".", "!", "?", "¡", "¿", ",", ";", ":", '"',
        "«", "»", "。", "！", "؟"]  # fmt: skip
INVISIBLE = ["\u200b", "\u200e", "\u200f", "\u2060", "\ufeff", "\u061c"]
ANY_TEXT = st.text(max_size=120)


def in_script(text: str, zero: int) -> str:
    return "".join(chr(zero + int(ch)) if ch.isascii() and ch.isdigit() else ch for ch in text)


def styled(first_capital: int):
    """Latin letters as "fancy text" writes them: mathematical bold (𝐒𝐓𝐎𝐏) or full width (ＳＴＯＰ)."""

    def style(text: str) -> str:
        return "".join(
            chr(first_capital + ord(ch) - 65) if "A" <= ch <= "Z"
            else chr(first_capital + 26 + ord(ch) - 97 + (6 if first_capital == 0xFF21 else 0)) if "a" <= ch <= "z"
            else ch
            for ch in text
        )  # fmt: skip

    return style


@st.composite
def dressed(draw, word: str, *, edges: bool = True) -> str:
    """`word` in any case, with invisible marks inside it and spaces and punctuation around it."""
    casing = draw(
        st.sampled_from([str, str.upper, str.lower, str.title, str.capitalize, styled(0x1D400), styled(0xFF21)])
    )
    if casing not in (str, str.upper, str.lower, str.title, str.capitalize) and draw(st.booleans()):
        word = word.upper()
    letters = list(casing(word))
    for _ in range(draw(st.integers(0, 2))):
        letters.insert(draw(st.integers(0, len(letters))), draw(st.sampled_from(INVISIBLE)))
    text = "".join(letters)
    if edges:
        around = st.text(alphabet=st.sampled_from(EDGE + INVISIBLE), max_size=3)
        text = draw(around) + text + draw(around)
    return text


def digits(number: int | str):
    """A number as text, in the digits of any script, with spaces around it."""
    return st.builds(
        lambda zero, before, after: before + in_script(str(number), zero) + after,
        st.sampled_from(DIGIT_ZEROS),
        st.sampled_from(["", " ", "\u200f"]),
        st.sampled_from(["", " ", ".", "\u00a0"]),
    )


def words_of(*sets) -> list[str]:
    """Every word of the sets as it is written in the source (before `normalise`)."""
    return sorted({word for words in sets for word in words})


# --- Keywords: opt-out and opt-in, whole message, every language ---------------------------------


@FUZZ
@given(data=st.data(), word=st.sampled_from(sorted(OPT_OUT)))
def test_every_opt_out_word_of_every_language_opts_out_however_it_is_dressed(data, word):
    assert keyword_of(data.draw(dressed(word))) == "opt_out"


@FUZZ
@given(data=st.data(), word=st.sampled_from(sorted(OPT_IN)))
def test_every_opt_in_word_of_every_language_opts_back_in_however_it_is_dressed(data, word):
    assert keyword_of(data.draw(dressed(word))) == "opt_in"


@FUZZ
@given(word=st.sampled_from(sorted(OPT_OUT | OPT_IN)), before=ANY_TEXT, after=ANY_TEXT)
def test_a_keyword_inside_a_sentence_is_no_keyword(word, before, after):
    sentence = f"please {before} {word} {after} the car"
    assert keyword_of(sentence) == ""


@FUZZ
@given(text=st.one_of(
    ANY_TEXT,
    st.text(alphabet=st.sampled_from(EDGE + INVISIBLE + ["a", "é", "ß", "İ", "ﬀ", "𝐒", "Ｓ", "🄰", "\u0345"])),
    st.text(alphabet=st.characters(categories=["Zs", "Zl", "Zp", "Lu", "Mn"]), max_size=10),
))  # fmt: skip
def test_normalise_and_keywords_take_any_text(text):
    plain = normalise(text)
    assert normalise(plain) == plain  # what is compared with the word lists is stable
    assert keyword_of(text) in {"opt_out", "opt_in", ""}


# --- Commands and short answers (messaging.answers, shared by both flows) -------------------------

COMMANDS = {"help": read.HELP, "back": read.BACK, "restart": read.RESTART}


@FUZZ
@given(data=st.data(), command=st.sampled_from(sorted(COMMANDS)))
def test_every_command_word_of_every_language_is_read_however_it_is_dressed(data, command):
    word = data.draw(st.sampled_from(sorted(COMMANDS[command])))
    assert read.command_of(data.draw(dressed(word))) == command


@FUZZ
@given(data=st.data(), word=st.sampled_from(sorted(read.STATUS)), receipt=st.builds(lambda: receipt_new()))
def test_status_and_a_receipt_number_is_read_as_status_with_its_digits(data, word, receipt):
    zero = data.draw(st.sampled_from(DIGIT_ZEROS))
    text = data.draw(dressed(word, edges=False)) + " " + in_script(receipt_display(receipt), zero)
    assert read.command_of(text) == "status"
    assert receipt_normalise(read.digits_of(text)) == receipt


@FUZZ
@given(text=ANY_TEXT, count=st.integers(1, 12), yes_no=st.booleans())
def test_short_answer_readers_take_any_text(text, count, yes_no):
    assert read.command_of(text) in {"help", "back", "restart", "status", ""}
    choice = read.choice_of(text, count, yes_no=yes_no)
    assert choice is None or 1 <= choice <= count
    picked = read.choices_of(text, count)
    assert picked is None or (picked == sorted(set(picked)) and all(1 <= n <= count for n in picked))
    people = read.count_of(text, maximum=50)
    assert people is None or 0 <= people <= 50
    assert all(isinstance(n, int) and n >= 0 for n in read.numbers_in(text))
    assert place_of(text) is None or len(place_of(text)) == 2


@FUZZ
@given(data=st.data(), count=st.integers(1, 12))
def test_a_numbered_choice_in_any_script_is_read_as_that_number(data, count):
    number = data.draw(st.integers(1, count))
    assert read.choice_of(data.draw(digits(number)), count) == number
    assert read.choice_of(data.draw(digits(count + data.draw(st.integers(1, 50)))), count) is None


@FUZZ
@given(data=st.data(), answer=st.sampled_from([(1, read.YES), (2, read.NO), (3, read.DONT_KNOW)]))
def test_yes_no_and_dont_know_in_every_language_are_read_as_1_2_and_3(data, answer):
    number, words = answer
    word = data.draw(st.sampled_from(sorted(words)))
    assert read.choice_of(data.draw(dressed(word)), 3, yes_no=True) == number


@FUZZ
@given(data=st.data(), count=st.integers(1, 16))
def test_several_choices_are_read_whatever_joins_them(data, count):
    picked = data.draw(st.lists(st.integers(1, count), min_size=1, max_size=6))
    joiners = st.sampled_from([" ", ", ", ",", ";", " y ", " and ", " et ", " & ", "+", "  ", " e "])
    zero = data.draw(st.sampled_from(DIGIT_ZEROS))
    text = in_script(str(picked[0]), zero)
    for number in picked[1:]:
        text += data.draw(joiners) + in_script(str(number), zero)
    assert read.choices_of(text, count) == sorted(set(picked))


@FUZZ
@given(data=st.data(), people=st.integers(0, 50))
def test_a_count_of_people_is_read_and_no_is_none(data, people):
    assert read.count_of(data.draw(digits(people)), maximum=50) == people
    assert read.count_of(data.draw(dressed(data.draw(st.sampled_from(sorted(read.NO)))))) == 0


# --- Dates -----------------------------------------------------------------------------------


@FUZZ
@given(text=ANY_TEXT, today=st.dates(date(2000, 1, 1), date(2099, 12, 31)), language=st.sampled_from(LANGUAGES))
def test_a_date_reader_never_raises_but_ambiguous_and_never_answers_a_future_day(text, today, language):
    try:
        found = read.date_of(text, today=today, language=language)
    except read.Ambiguous as ambiguous:
        assert len(ambiguous.options) == 2 and all(
            today.year - 50 <= day.year and day <= today for day in ambiguous.options
        )
    else:
        assert found is None or (today.year - 50 <= found.year and found <= today)


def read_date(text: str, *, today: date, language: str) -> list[date]:
    """Every reading of a date: one, two (asked back) or none."""
    try:
        found = read.date_of(text, today=today, language=language)
    except read.Ambiguous as ambiguous:
        return list(ambiguous.options)
    return [found] if found else []


@FUZZ
@given(
    today=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    back=st.integers(0, 49 * 365),
    language=st.sampled_from(LANGUAGES),
    zero=st.sampled_from(DIGIT_ZEROS),
    separator=st.sampled_from(["/", "-", "."]),
)
def test_a_numeric_date_with_its_year_is_read_as_the_day_meant(today, back, language, zero, separator):
    day = today - timedelta(days=back)
    assert read_date(in_script(day.isoformat(), zero), today=today, language=language) == [day]
    first, second = (day.month, day.day) if language in read.MONTH_FIRST else (day.day, day.month)
    written = in_script(f"{first}{separator}{second}{separator}{day.year}", zero)
    assert day in read_date(written, today=today, language=language)
    assert read_date(in_script(f"{day.year}年{day.month}月{day.day}日", zero), today=today, language=language) == [day]


@FUZZ
@example(today=date(2025, 1, 15), back=321, language="es")  # 29 February 2024, written 29/2 in January
@example(today=date(2025, 2, 28), back=365, language="en")
@given(
    today=st.dates(date(2000, 1, 1), date(2099, 12, 31)), back=st.integers(0, 364), language=st.sampled_from(LANGUAGES)
)
def test_a_day_and_month_without_a_year_is_the_last_time_it_came(today, back, language):
    day = today - timedelta(days=back)
    first, second = (day.month, day.day) if language in read.MONTH_FIRST else (day.day, day.month)
    assert day in read_date(f"{first}/{second}", today=today, language=language)
    assert read_date(f"{day.month}月{day.day}日", today=today, language=language) == [day]


@FUZZ
@given(data=st.data(), today=st.dates(date(2000, 1, 1), date(2099, 12, 31)), language=st.sampled_from(LANGUAGES))
def test_today_yesterday_and_weekday_names_of_every_language_are_read(data, today, language):
    for words, expected in ((read.TODAY, today), (read.YESTERDAY, today - timedelta(days=1))):
        word = data.draw(st.sampled_from(sorted(words)))
        assert read_date(data.draw(dressed(word)), today=today, language=language) == [expected]
    weekday = data.draw(st.integers(0, 6))
    name = data.draw(st.sampled_from(sorted(read.WEEKDAYS[weekday])))
    [found] = read_date(data.draw(dressed(name)), today=today, language=language)
    assert found.weekday() == weekday and 1 <= (today - found).days <= 7


# --- Places, receipts, phone numbers ----------------------------------------------------------

CITY_WORD = st.text(alphabet=st.sampled_from(string.ascii_letters + "áéíóúñçãôü'-"), min_size=2, max_size=12)


@FUZZ
@given(
    city=st.lists(CITY_WORD, min_size=1, max_size=3).map(" ".join),
    state=st.sampled_from(US_STATES),
    by_name=st.booleans(),
    comma=st.sampled_from([",", " ,", ", ", " , "]),
)
def test_a_city_and_state_are_read_back(city, state, by_name, comma):
    assume(len(city) <= 60)
    code, name = state
    assert place_of(f"{city}{comma} {name if by_name else code}") == (city, code)


@FUZZ
@given(data=st.data(), receipt=st.builds(lambda: receipt_new()))
def test_a_receipt_is_read_back_from_any_grouping_and_script(data, receipt):
    separator = data.draw(st.sampled_from([" ", "-", ".", "", "  ", "\u00a0"]))
    groups = [receipt[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4)]
    written = in_script(separator.join(groups), data.draw(st.sampled_from(DIGIT_ZEROS)))
    assert receipt_normalise(written) == receipt
    assert receipt_normalise(receipt_display(receipt)) == receipt


@FUZZ
@given(text=ANY_TEXT)
def test_receipts_and_places_read_from_anything_are_16_digits_or_nothing(text):
    found = receipt_normalise(text)
    assert found is None or re.fullmatch(r"[0-9]{16}", found)


US_NUMBER = st.tuples(
    st.integers(2, 9), st.integers(0, 99), st.integers(2, 9), st.integers(0, 99), st.integers(0, 9999)
).map(lambda p: (f"{p[0]}{p[1]:02d}", f"{p[2]}{p[3]:02d}", f"{p[4]:04d}"))


@FUZZ
@given(number=US_NUMBER, form=st.sampled_from(["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}",
                                                "1-{a}-{b}-{c}", "{a}{b}{c}", " +1 ({a}) {b} {c} "]))  # fmt: skip
def test_a_us_phone_number_written_any_way_is_one_e164_number(number, form):
    area, exchange, line = number
    e164 = f"+1{area}{exchange}{line}"
    assume(phonenumbers.is_possible_number(phonenumbers.parse(e164)))
    written = form.format(a=area, b=exchange, c=line)
    assert _phone_e164(written) == e164
    assert address_normalise("sms", written) in {e164, e164[1:], e164[2:]}
    assert address_index("sms", f"whatsapp:{e164}") == address_index("whatsapp", e164) == address_index("sms", e164)


@FUZZ
@given(region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_an_international_number_round_trips_through_e164(region):
    number = phonenumbers.example_number(region)
    assume(number is not None)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert _phone_e164(international) == e164
    assert _phone_e164(e164) == e164


@FUZZ
@given(text=st.one_of(ANY_TEXT, st.text(alphabet="+0123456789 ()-.ext#*", max_size=40)))
def test_phone_readers_take_any_text(text):
    try:
        e164 = _phone_e164(text)
    except serializers.ValidationError:
        pass
    else:
        assert re.fullmatch(r"\+[0-9]{2,17}", e164) and _phone_e164(e164) == e164
    for channel in ("sms", "whatsapp", "email"):
        plain = address_normalise(channel, text)
        assert address_normalise(channel, plain) == plain
    called = _call_phone(text)
    assert called == "" or re.fullmatch(r"\+[0-9]{8,15}", called)


# --- The complaint flow (SMS and WhatsApp) as a state machine ----------------------------------


def context(today: date = TODAY, idle: timedelta | None = None) -> Context:
    return Context(today=today, idle=idle, channel="sms", address="+17135550100", conversation_id=1, message_id=1)


ANSWERS = st.one_of(
    ANY_TEXT,
    st.integers(0, 12).flatmap(digits),
    st.sampled_from(
        words_of(read.HELP, read.BACK, read.RESTART, read.YES, read.NO, read.DONT_KNOW, DONE, OPT_OUT)
    ).flatmap(dressed),
    st.sampled_from(["ayer", "10/3", "3/10/2026", "2026-11-01", "Houston, TX", "1 3 5", "estado 1234567812345678"]),
)


@FUZZ
@given(
    messages=st.lists(st.tuples(ANSWERS, st.sampled_from([None, timedelta(minutes=1), timedelta(days=2)])), max_size=14)
)
def test_the_complaint_flow_takes_any_sequence_of_texts(messages):
    flow, state = complaint_flow.ComplaintFlow(), None
    story = ""
    for text, idle in messages:
        turn = flow.step(state, text, context(idle=idle if state else None))
        assert json.loads(json.dumps(turn.state)) == turn.state  # stored as JSON, encrypted
        assert turn.language in LANGUAGES
        assert all(isinstance(reply.text, str) and reply.text for reply in turn.replies)
        assert turn.action is None or turn.action[0] in {"file", "status"}
        story = (turn.state.get("answers") or {}).get("narrative", story)
        if len(story) >= 30:  # a phone can be inspected: what the person told is never sent back
            assert all(story not in reply.text for reply in turn.replies)
        state = None if turn.finished else turn.state
        if state:
            assert state["step"] in {*complaint_flow.STEPS, "language", "resume"}
            assert len(state.get("history", [])) <= 20


STORY_TEXT = st.text(alphabet=st.sampled_from(string.ascii_letters + "áéñ ,.'"), min_size=3, max_size=80).filter(
    lambda text: read.command_of(text) == "" and normalise(text) not in DONE and text.strip()
)


@FUZZ_LONG
@given(data=st.data())
def test_a_complaint_answered_validly_in_any_way_is_filed_with_what_was_meant(data):
    language = data.draw(st.integers(1, len(LANGUAGES)))
    role = data.draw(st.integers(1, 3))
    story = data.draw(st.lists(STORY_TEXT, min_size=1, max_size=3))
    when = data.draw(st.one_of(st.none(), st.integers(0, 3650).map(lambda back: TODAY - timedelta(days=back))))
    city = data.draw(st.lists(CITY_WORD, min_size=1, max_size=2).map(" ".join))
    code, _name = data.draw(st.sampled_from(US_STATES))
    harms = data.draw(st.lists(st.integers(1, len(complaint_flow.HARMS)), min_size=1, max_size=4))
    camera = data.draw(st.integers(1, 3))
    recording = data.draw(st.integers(1, 3))
    children = data.draw(st.integers(0, 50))
    contact = data.draw(st.integers(1, 2))

    def yes_no(number: int):
        words = (read.YES, read.NO, read.DONT_KNOW)[number - 1]
        return st.one_of(digits(number), st.sampled_from(sorted(words)).flatmap(dressed))

    script = [".", data.draw(digits(language)), data.draw(digits(role)), *story]
    script.append(data.draw(st.sampled_from(sorted(DONE)).flatmap(dressed)))
    if when is None:
        script.append(data.draw(st.sampled_from(sorted(read.DONT_KNOW)).flatmap(dressed)))
    else:
        script.append(in_script(when.isoformat(), data.draw(st.sampled_from(DIGIT_ZEROS))))
    script += [f"{city}, {code}", " ".join(str(n) for n in harms), data.draw(yes_no(camera))]
    if camera == 1:
        script.append(data.draw(yes_no(recording)))
    script += [data.draw(digits(children)), data.draw(yes_no(contact)), data.draw(yes_no(1))]

    flow, state, turn = complaint_flow.ComplaintFlow(), None, None
    for text in script:
        assert state is None or not turn.finished
        turn = flow.step(state, text, context())
        state = turn.state
    assert turn.finished and turn.action == ("file", "")
    expected = {
        "filer_role": complaint_flow.ROLES[role - 1].value,
        "narrative": "\n".join(part.strip() for part in story),
        "incident_date": when.isoformat() if when else None,
        "city": city,
        "state": code,
        "allegations": [complaint_flow.HARMS[n - 1][0] for n in sorted(set(harms))],
        "body_camera_seen": complaint_flow.YES_NO_UNKNOWN[camera - 1].value,
        "children_count": children,
        "contact": contact == 1,
    }
    if camera == 1:
        expected["body_camera_recording"] = complaint_flow.YES_NO_UNKNOWN[recording - 1].value
    assert state["answers"] == expected
    assert state["language"] == LANGUAGES[language - 1]


@FUZZ
@given(text=ANY_TEXT)
def test_a_first_message_is_a_language_a_status_question_or_the_menu(text):
    turn = complaint_flow.ComplaintFlow().step(None, text, context())
    assert turn.language in LANGUAGES
    if turn.finished:
        assert turn.action[0] == "status" and turn.action[1] == read.digits_of(text)
    else:
        assert turn.state["step"] in {"language", "who"} and turn.replies
    assert complaint_flow.language_of(text) in {None, *LANGUAGES}
    assert STATUS_LANGUAGES.get(normalise(text)) in {None, *LANGUAGES}


# --- The survey flow's answers ------------------------------------------------------------------

LABEL = st.text(alphabet=st.sampled_from(string.ascii_letters + "áéíñü "), min_size=1, max_size=20).map(str.strip)
BOUND = st.one_of(st.none(), st.integers(-1000, 1000).map(Decimal))


@st.composite
def items(draw) -> survey_flow.Item:
    kind = draw(st.sampled_from([k for k in Question.Kind.values if k != Question.Kind.NOTE]))
    choices = ()
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        labels = draw(st.lists(LABEL.filter(bool), min_size=2, max_size=6, unique_by=normalise))
        choices = tuple((f"c{n}", {"en": label}) for n, label in enumerate(labels))
    low, high = draw(BOUND), draw(BOUND)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return survey_flow.Item(name="q", kind=kind, label={"en": "Q"}, required=draw(st.booleans()),
                            min_value=low, max_value=high, choices=choices)  # fmt: skip


@FUZZ
@given(item=items(), text=ANY_TEXT, language=st.sampled_from(LANGUAGES))
def test_a_survey_answer_reader_takes_any_text(item, text, language):
    try:
        value, problem = survey_flow.read_answer(item, text, today=TODAY, language=language)
    except read.Ambiguous:
        assert item.kind == Question.Kind.DATE
        return
    assert (value is None) == bool(problem)
    assert problem in {"", *survey_flow.CORRECTIONS, "empty"}
    assert survey_flow.command_of(text) in {"help", "back", "exit", "status", ""}
    survey_flow.keyword_problem(text)


@FUZZ
@given(item=items(), data=st.data())
def test_a_valid_survey_answer_in_any_form_is_read_as_what_was_meant(item, data):
    kind = item.kind
    if kind == Question.Kind.YES_NO:
        value = data.draw(st.sampled_from(["yes", "no"]))
        words = read.YES if value == "yes" else read.NO
        text = data.draw(st.one_of(digits(1 if value == "yes" else 2), st.sampled_from(sorted(words)).flatmap(dressed)))
    elif kind == Question.Kind.SCALE:
        number = data.draw(st.integers(1, 5))
        value, text = str(number), data.draw(digits(number))
    elif kind == Question.Kind.SINGLE:
        index = data.draw(st.integers(0, len(item.choices) - 1))
        value, label = item.choices[index][0], item.choices[index][1]["en"]
        text = data.draw(st.one_of(digits(index + 1), dressed(label)))
    elif kind == Question.Kind.MULTIPLE:
        picked = data.draw(st.lists(st.integers(1, len(item.choices)), min_size=1, max_size=4))
        value = [item.choices[n - 1][0] for n in sorted(set(picked))]
        text = " ".join(str(n) for n in picked)
    elif kind == Question.Kind.NUMBER:
        low = item.min_value if item.min_value is not None else Decimal(-(10**6))
        high = item.max_value if item.max_value is not None else Decimal(10**6)
        number = Decimal(data.draw(st.integers(int(low * 100), int(high * 100)))) / 100
        value = survey_flow._number_text(number)
        text = data.draw(st.sampled_from([value, value.replace(".", ","), f" {value} "]))
    elif kind == Question.Kind.DATE:
        day = TODAY - timedelta(days=data.draw(st.integers(0, 3650)))
        value, text = day.isoformat(), in_script(day.isoformat(), data.draw(st.sampled_from(DIGIT_ZEROS)))
    else:
        value = data.draw(STORY_TEXT).strip()
        assume(survey_flow.SKIP.isdisjoint({normalise(value)}) and normalise(value) != "0")
        text = value
    assert survey_flow.read_answer(item, text, today=TODAY, language="en") == (value, "")


# --- Paper batches: CSV and XLSX files of answers ---------------------------------------------


UPLOAD_REFUSALS = {"empty", "too_large", "file_type"}
PROBLEM_CODES = {"required", "choice", "number", "bounds", "date", "text", "language", "field_office", "form_id",
                 "example_row", "form_id_repeated", "unknown_column", "missing_column", "duplicate_column",
                 "no_column_name", "no_rows"}  # fmt: skip
COLUMN_LETTERS = re.compile(r"[A-Z]{1,3}")


class PaperDesk:
    """An organisation's advocate uploading files of paper answers to the paper survey of
    tests/surveys/test_batches.py, checked as the worker checks them."""

    def __init__(self, paper_survey, advocate, organization) -> None:
        self.survey, self.advocate, self.organization = paper_survey, advocate, organization
        self.questions = {q.name: q for q in paper_survey.current_version.questions.prefetch_related("choices")}

    def upload(self, data: bytes, name: str) -> Batch | None:
        """The checked batch, or None when the upload is refused (with one of its documented codes)."""
        try:
            batch = batch_upload(
                survey=self.survey, organization=self.organization, uploaded_by=self.advocate, file_name=name,
                data=data, respondents_consented=True,
            )  # fmt: skip
        except ApplicationError as refused:
            assert refused.code in UPLOAD_REFUSALS
            hypothesis.event(f"upload refused: {refused.code}")
            return None
        batch = batch_check(batch=batch)
        hypothesis.event(f"batch {batch.status}, {'with' if batch.problems else 'without'} problems")
        return batch

    def assert_problems_name_their_place(self, batch: Batch, rows_in_file: int) -> None:
        if batch.status == Batch.Status.FAILED:
            [[row, column, code]] = batch.problems
            assert row == 0 and column == "" and code in batch_files.FILE_PROBLEMS
            return
        assert batch.status == Batch.Status.CHECKED
        header_problems = [problem for problem in batch.problems if problem[0] == 1]
        problem_rows = set()
        for row, column, code in batch.problems:
            assert code in PROBLEM_CODES, code
            assert 1 <= row <= rows_in_file, (row, rows_in_file)
            if row == 1:
                assert column or code == "no_rows"
            else:
                problem_rows.add(row)
                named = column in self.questions or column in batch_files.OPTIONAL_COLUMNS
                assert named or COLUMN_LETTERS.fullmatch(column)
            for language in LANGUAGES:
                with translation.override(language):
                    sentence = batch_files.problem_sentence(row, column, code, self.questions.get(column), max_rows=10)
                assert sentence and "%(" not in sentence
        assert batch.rows_valid <= batch.rows_total
        if not header_problems:  # nothing lost silently: each row is valid or has a problem naming it
            assert batch.rows_valid + len(problem_rows) == batch.rows_total


@pytest.fixture
def paper(survey, advocate, organization, settings, tmp_path):  # noqa: F811  (test_batches' survey)
    settings.MEDIA_ROOT = tmp_path / "media"
    yield PaperDesk(survey, advocate, organization)
    Batch.objects.all().delete()


CELL_TEXT = st.one_of(
    st.sampled_from(["yes", "no", "sí", "NO", "home", "En casa", "work", "children, who_sees", "3", "34", "34,5",
                     "2026-03-15", "3/15/2026", "15.03.2026", "HOU", "es", "xx", "EXAMPLE", "", " ", "=1+1"]),
    st.text(max_size=30),
)  # fmt: skip


@st.composite
def sheets(draw) -> list[list]:
    header = draw(st.one_of(
        st.permutations(HEADER + ["language", "field_office", "form_id"]).map(lambda h: h[: len(HEADER) + 1]),
        st.lists(st.one_of(st.sampled_from(HEADER), CELL_TEXT), min_size=1, max_size=10),
    ))  # fmt: skip
    width = st.integers(0, len(header) + 2)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(CELL_TEXT, min_size=n, max_size=n)), max_size=6))
    return [list(header), *rows]


def csv_of(rows: list[list], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@pytest.mark.django_db
@FUZZ_DB
@given(data=st.one_of(st.binary(max_size=600), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
def test_a_batch_of_any_bytes_is_refused_or_checked_never_an_error(paper, data):
    try:
        batch = paper.upload(data, "any.csv")
        if batch is not None:
            paper.assert_problems_name_their_place(batch, rows_in_file=10**6)
    finally:
        Batch.objects.all().delete()


@pytest.mark.django_db
@FUZZ_DB
@given(
    rows=sheets(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_a_csv_of_any_cells_is_checked_and_every_problem_names_its_row_and_column(paper, rows, delimiter, encoding):
    data = csv_of(rows, delimiter, encoding)
    try:
        batch = paper.upload(data, "cells.csv")
        if batch is not None:
            records = len(list(csv.reader(io.StringIO(data.decode(batch_files.detect_encoding(data)), newline=""))))
            paper.assert_problems_name_their_place(batch, rows_in_file=max(records, 1))
    finally:
        Batch.objects.all().delete()


XLSX_CELL = st.one_of(
    CELL_TEXT.map(lambda text: openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),  # noqa: DTZ001  (a spreadsheet's cells have no zone)
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
)


@pytest.mark.django_db
@FUZZ_DB
@given(header=sheets().map(lambda rows: rows[0]), rows=st.lists(st.lists(XLSX_CELL, max_size=10), max_size=6))
def test_an_xlsx_of_any_cells_is_checked_and_every_problem_names_its_row_and_column(paper, header, rows):
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append(
            [openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        batch = paper.upload(buffer.getvalue(), "cells.xlsx")
        assert batch is not None
        paper.assert_problems_name_their_place(batch, rows_in_file=len(rows) + 1)
    finally:
        Batch.objects.all().delete()


@st.composite
def paper_forms(draw) -> tuple[list, dict]:
    """A row as people write a valid paper form (any of the accepted ways), and the answers meant."""
    contact = draw(st.booleans())
    meant: dict = {"contact": "yes" if contact else "no"}
    cells: dict = {"contact": draw(st.sampled_from(sorted(batch_files.YES if contact else batch_files.NO)).flatmap(
        lambda word: st.sampled_from([word, word.upper(), word.title(), f" {word} "])))}  # fmt: skip
    if contact:
        place = draw(
            st.sampled_from([("home", "At home"), ("home", "EN CASA"), ("work", "work"), ("work", "En el trabajo")])
        )
        if draw(st.booleans()):
            meant["place"], cells["place"] = place
        meant["camera"] = cells["camera"] = draw(st.sampled_from(["yes", "no", "unsure"]))
    written = [
        ("children", "Mis hijos"),
        ("children", "children"),
        ("who_sees", "who_sees"),
        ("who_sees", "Who sees it"),
    ]
    worries = draw(st.lists(st.sampled_from(written), max_size=3))
    if worries:
        meant["worries"] = sorted({value for value, _written in worries})
        cells["worries"] = draw(st.sampled_from([", ", ";", " ; "])).join(written for _value, written in worries)
    number = draw(st.integers(1, 5))
    meant["safe"], cells["safe"] = str(number), draw(st.sampled_from([str(number), number, float(number)]))
    if draw(st.booleans()):
        age = Decimal(draw(st.integers(1400, 11000))) / 100
        meant["age"] = age.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        cells["age"] = draw(st.sampled_from([format(age, "f"), format(age, "f").replace(".", ","), float(age)]))
    if draw(st.booleans()):
        day = draw(st.dates(date(1990, 1, 1), date(2026, 11, 1)))
        meant["when"] = day
        cells["when"] = draw(st.sampled_from([day.isoformat(), f"{day.month}/{day.day}/{day.year}",
                                              f"{day.day:02d}.{day.month:02d}.{day.year}", day]))  # fmt: skip
    if draw(st.booleans()):
        meant["trust"] = cells["trust"] = draw(st.text(
            alphabet=st.characters(exclude_categories=["Cc", "Cs", "Cn", "Zl", "Zp"]) | st.sampled_from(["\n", '"']),
            min_size=1, max_size=60).map(str.strip).filter(lambda text: text and not text.startswith("=")))  # fmt: skip
    return [cells.get(name, "") for name in HEADER], meant


@pytest.mark.django_db
@FUZZ_DB
@given(
    forms=st.lists(paper_forms(), min_size=1, max_size=4), as_xlsx=st.booleans(), delimiter=st.sampled_from([",", ";"])
)
def test_valid_paper_forms_written_any_accepted_way_import_as_what_was_meant(paper, forms, as_xlsx, delimiter):
    rows = [HEADER, *(row for row, _meant in forms)]
    if as_xlsx:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    else:
        # As a spreadsheet saves a CSV: 3 rather than 3.0, dates as 2026-03-15.
        data = csv_of([[batch_files.cell_text(cell) for cell in row] for row in rows], delimiter, "utf-8")
    try:
        batch = paper.upload(data, "forms.xlsx" if as_xlsx else "forms.csv")
        assert batch.status == Batch.Status.CHECKED and batch.problems == [] and batch.rows_valid == len(forms)
        batch = batch_import(batch=batch, only_valid=False)
        assert batch.rows_imported == len(forms)  # two identical paper forms are two people
        imported = [
            json.dumps(answers_of(r), sort_keys=True, default=str) for r in Response.objects.filter(batch=batch)
        ]
        assert sorted(imported) == sorted(json.dumps(meant, sort_keys=True, default=str) for _row, meant in forms)
    finally:
        Response.objects.all().delete()
        Batch.objects.all().delete()


# --- XLSForm survey definitions ------------------------------------------------------------

# Problems about the whole file or a whole sheet; every other one names a sheet, a row and a column.
FILE_LEVEL = {"not_xlsx", "file_too_big", "unpacks_too_big", "too_many_rows", "no_survey_sheet", "empty", "no_title",
              "invalid"}  # fmt: skip
HEADER_LEVEL = {"no_type_column", "no_name_column", "no_list_name_column"}
ODD = st.one_of(st.text(max_size=15), st.none(), st.integers(-5, 5), st.booleans())
# Per column, what people write there (right and wrong), or anything at all.
XLSFORM_CELLS = {
    "type": ["select_one yn", "select_multiple yn", "select_one place", "select one yn", "select_one",
             "select_one nope", "select_one yn or_other", "select_one yn place", "integer", "decimal", "range",
             "date", "text", "note", "begin group", "end group", "begin_group", "begin repeat", "end repeat",
             "start", "calculate", "geopoint", ""],
    "name": ["q1", "q2", "q3", "g1", "1bad", "", "a b", "x" * 70],
    "label": ["Did you?", "¿Vio agentes?", "", "x" * 400],
    "hint": ["A hint", ""],
    "required": ["yes", "no", "true()", "", "maybe", "1"],
    "relevant": ["${q1} = 'yes'", "${q1} = 'a'", "selected(${q2}, 'a')", "${q9} = 'x'", "${q3} = '1'", "q1 > 3", ""],
    "constraint": [". >= 16 and . <= 110", ". >= 5 and . <= 1", ". > 3", ". >= 1.234", ". <= 99999999999", ""],
    "parameters": ["start=1 end=5 step=1", "start=0 end=10", "bogus", "start=x", ""],
    "appearance": ["multiline", "minimal", ""],
    "list_name": ["yn", "place", "", "nope"],
    "form_title": ["Agents and cameras", "", "x" * 400],
    "form_id": ["agents", "", "Agents Cameras!"],
    "default_language": ["English (en)", "Español (es)", "xx", ""],
    "keyword": ["CAMERAS", "STOP", "yes", "bad word", "1234", ""],
}  # fmt: skip
SHEET_COLUMNS = {
    "survey": ["type", "name", "label", "label::English (en)", "label::Español (es)", "label::Klingon", "hint",
               "hint::English (en)", "required", "relevant", "constraint", "constraint_message::English (en)",
               "appearance", "parameters", "choice_filter", "repeat_count", "jr:count", "media::image"],
    "choices": ["list_name", "name", "label", "label::English (en)", "label::Español (es)", "image"],
    "settings": ["form_title", "form_title::Español (es)", "title", "form_id", "default_language", "keyword",
                 "version", "description::English (en)"],
}  # fmt: skip


@st.composite
def xlsforms(draw) -> bytes:
    """A workbook shaped like an XLSForm (its three sheets, their usual columns in any order, cells
    people write there, right or wrong), or something else wearing its names."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    names = draw(st.lists(st.sampled_from(["choices", "settings", "Survey ", "other"]), max_size=3, unique=True))
    if draw(st.integers(0, 9)) or not names:
        names = ["survey", *names, *([] if "settings" in names or not draw(st.integers(0, 3)) else ["settings"])]
    for name in names:
        sheet = book.create_sheet(name)
        known = SHEET_COLUMNS.get(name.strip().lower(), SHEET_COLUMNS["survey"])
        header = draw(st.lists(st.one_of(st.sampled_from(known), st.text(max_size=10)), min_size=1, max_size=8))
        if draw(st.integers(0, 9)):  # mostly, the columns that must be there are
            header = [*known[:2], *header]
        rows = []
        for _row in range(draw(st.integers(0, 8 if name.strip().lower() != "settings" else 1))):
            cells = []
            for column in header:
                base = str(column).partition("::")[0]
                words = XLSFORM_CELLS.get(base, XLSFORM_CELLS["label"] if base in ("label", "hint") else [])
                cells.append(draw(st.one_of(st.sampled_from(words), ODD) if words else ODD))
            rows.append(cells)
        for row in [header, *rows]:
            sheet.append(
                [openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assert_xlsform_problems_name_their_place(problems) -> None:
    for problem in problems:
        if problem.code not in FILE_LEVEL:
            assert problem.sheet in {"survey", "choices", "settings"} and problem.row, problem
            if problem.code not in HEADER_LEVEL:
                assert problem.column, problem
        for language in LANGUAGES:
            with translation.override(language):
                text = problem.message()
            assert text and "%(" not in text


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.tuples(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml", "x"]),
                       st.binary(max_size=80)), max_size=4, unique_by=lambda entry: entry[0]),
))  # fmt: skip
def test_an_xlsform_of_any_bytes_gives_problems_never_an_error(data):
    if isinstance(data, list):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in data:
                archive.writestr(name, content)
        data = buffer.getvalue()
    definition, problems = read_xlsform(io.BytesIO(data))
    assert definition is None and any(problem.is_error for problem in problems)
    assert_xlsform_problems_name_their_place(problems)


@pytest.mark.django_db
@FUZZ_DB
@given(data=xlsforms())
def test_an_xlsform_of_any_sheets_is_imported_or_refused_with_problems_naming_their_place(data):
    definition, problems = read_xlsform(io.BytesIO(data))
    assert (definition is None) == any(problem.is_error for problem in problems)
    assert_xlsform_problems_name_their_place(problems)
    hypothesis.event("read" if definition else "refused")
    for code in {problem.code for problem in problems}:
        hypothesis.event(code)
    try:
        imported, warnings = survey_import_xlsform(data=data, created_by=None, slug="fuzzed")
    except XLSFormInvalid as refused:
        assert refused.errors
        assert_xlsform_problems_name_their_place(refused.problems)
    else:
        assert imported.versions.get().questions.exists()
        assert_xlsform_problems_name_their_place(warnings)
    finally:
        Survey.objects.filter(slug="fuzzed").delete()


XLSFORM_TEXT = (
    st.text(
        alphabet=st.characters(exclude_categories=["Cc", "Cs", "Zl", "Zp", "Zs"]) | st.just(" "),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda text: text and not text.startswith("="))
)


@st.composite
def definitions(draw) -> dict:
    """A survey definition as survey_define takes it: questions of every kind in sections, with
    labels and hints in some languages, choices, bounds and show-if rules on earlier answers."""
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True))

    def texts(required=True):
        chosen = languages if required else draw(st.lists(st.sampled_from(languages), unique=True))
        return {code: draw(XLSFORM_TEXT) for code in chosen}

    questions, section = [], 1
    for n in range(draw(st.integers(1, 6))):
        section += draw(st.integers(0, 1))
        kind = draw(st.sampled_from(Question.Kind.values))
        choices = []
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            values = draw(
                st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=2, max_size=4, unique=True)
            )
            assume(sorted(values) != ["no", "yes"])
            choices = [(value, texts()) for value in values]
        low = high = None
        if kind == Question.Kind.NUMBER:
            low = draw(st.one_of(st.none(), st.integers(-500, 500).map(Decimal)))
            high = draw(st.one_of(st.none(), st.integers(500, 2000).map(Decimal)))
        show_if = None
        earlier = [
            q for q in questions if q["kind"] in (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.YES_NO)
        ]
        if earlier and draw(st.booleans()):
            parent = draw(st.sampled_from(earlier))
            values = [v for v, _labels in parent["choices"]] or ["yes", "no"]
            show_if = {"question": parent["name"], "value": draw(st.sampled_from(values))}
        questions.append({
            "name": f"q{n}", "kind": kind, "required": kind != Question.Kind.NOTE and draw(st.booleans()),
            "label": texts(), "hint": texts(required=False), "section": section, "min_value": low, "max_value": high,
            "show_if": show_if, "choices": choices,
        })  # fmt: skip
    assume(any(q["kind"] != Question.Kind.NOTE for q in questions))
    used = sorted({q["section"] for q in questions})
    for q in questions:  # sections numbered 1, 2, … as the reader numbers them
        q["section"] = used.index(q["section"]) + 1
    return {"title": texts(), "description": texts(required=False), "document": {}, "keyword": "", "sections": {},
            "questions": questions}  # fmt: skip


@pytest.mark.django_db
@FUZZ_DB
@given(definition=definitions())
def test_a_survey_written_as_an_xlsform_reads_back_the_same(definition):
    try:
        version = survey_define(slug="round-trip", definition=definition).versions.get()
        found, problems = read_xlsform(io.BytesIO(write_xlsform(version)))
        assert [p for p in problems if p.is_error] == []
        assert found == version_definition(version)
        labels = {q["name"]: q["label"] for q in definition["questions"]}
        assert {q["name"]: q["label"] for q in found["questions"]} == labels
    finally:
        Survey.objects.filter(slug="round-trip").delete()
