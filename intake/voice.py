"""The complaint line: a phone call as a table of steps, like the SMS flow (intake/conversation.py).

`voice_read` is pure: the call's state and what Twilio posted in, the next state out. `voice_twiml`
builds the answer for the step a call is at. Filing the complaint and fetching the recordings are
services (intake/services.py); the webhooks are in intake/views.py.

The call: a menu where each language is offered in itself (a key for "another language" goes
straight to recording, after the caller says the name of their language); a short notice of what
is recorded and why; the recording of what happened; three keypad questions; the receipt read out
twice. A key not understood, or silence, is asked again once, then the call moves on.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext_lazy
from twilio.twiml.voice_response import VoiceResponse

from intake.choices import VoicePromptStep as P

# Keys of the language menu, most asked-for first (immigration court languages, REFERENCE.md).
MENU_KEYS = {"1": "es", "2": "en", "3": "pt", "4": "ht", "5": "zh-hans", "6": "pa", "7": "fr", "8": "vi", "9": "ar"}
MENU_KEYS["0"] = "ru"
OTHER_KEY = "*"
# A caller who chose "another language" hears Spanish (the lingua franca of most Mayan-language
# speakers here) and English; the complaint is marked as needing an interpreter.
INTERPRETER_LANGUAGES = ("es", "en")

# (BCP-47 code, Twilio voice) of each language Twilio speaks. Haitian Creole has no voice: a
# recorded prompt when staff uploaded one, else French, which many Haitian callers understand.
VOICES = {
    "en": ("en-US", "Google.en-US-Standard-C"),
    "es": ("es-US", "Google.es-US-Standard-A"),
    "pt": ("pt-BR", "Google.pt-BR-Standard-A"),
    "fr": ("fr-FR", "Google.fr-FR-Standard-A"),
    "zh-hans": ("cmn-CN", "Google.cmn-CN-Standard-A"),
    "vi": ("vi-VN", "Google.vi-VN-Standard-A"),
    "ar": ("ar-XA", "Google.ar-XA-Standard-A"),
    "ru": ("ru-RU", "Google.ru-RU-Standard-A"),
    "pa": ("pa-IN", "Google.pa-IN-Standard-A"),
}
SPOKEN_INSTEAD = {"ht": "fr"}

STORY_SECONDS = 600
NAME_SECONDS = 8

PROMPTS = {
    P.MENU: pgettext_lazy("phone", "To continue in English, press %(key)s."),
    P.OTHER_LANGUAGE: pgettext_lazy("phone", "For another language, press star, or stay on the line."),
    P.NAME_LANGUAGE: pgettext_lazy("phone", "After the tone, say the name of your language."),
    P.NOTICE: pgettext_lazy(
        "phone",
        "Voces is not the government. This call is recorded so that our team can listen to what "
        "happened. It stays private.",
    ),
    P.STORY: pgettext_lazy(
        "phone",
        "After the tone, tell us what happened, in your own words. Press the pound key when you are done.",
    ),
    P.NO_SOUND: pgettext_lazy("phone", "We did not hear anything. Let us try once more."),
    P.DANGER: pgettext_lazy("phone", "Is anyone hurt or in danger right now? Press 1 for yes, 2 for no."),
    P.EMERGENCY: pgettext_lazy("phone", "If someone needs help right now, hang up and call 911."),
    P.CONTACT: pgettext_lazy("phone", "May we call or text you back at this number? Press 1 for yes, 2 for no."),
    P.CAMERA: pgettext_lazy(
        "phone", "Did you see a body camera on an officer? Press 1 for yes, 2 for no, 3 if you are not sure."
    ),
    P.AGAIN: pgettext_lazy("phone", "Sorry, we did not get that."),
    P.MOVED_ON: pgettext_lazy("phone", "That is all right. Let us go on."),
    P.RECEIPT: pgettext_lazy("phone", "Thank you, we have your complaint. Your number is:"),
    P.RECEIPT_AGAIN: pgettext_lazy("phone", "Once more, your number is:"),
    P.RECEIPT_SMS: pgettext_lazy("phone", "We will also send it to you by text message."),
    P.GOODBYE: pgettext_lazy("phone", "Keep this number to check on your complaint. Goodbye."),
}
# The menu must be understood before any language is chosen, so its lines are never left in
# English while a catalog lacks them (each is the translation of P.MENU / P.OTHER_LANGUAGE).
MENU_UNTRANSLATED = {
    "es": "Para continuar en español, oprima %(key)s.",
    "pt": "Para continuar em português, digite %(key)s.",
    "ht": "Pou kontinye an kreyòl, peze %(key)s.",
    "fr": "Pour continuer en français, appuyez sur %(key)s.",
    "zh-hans": "普通话请按%(key)s。",
    "vi": "Để tiếp tục bằng tiếng Việt, xin bấm số %(key)s.",
    "ar": "للمتابعة باللغة العربية، اضغط %(key)s.",
    "ru": "Чтобы продолжить на русском языке, нажмите %(key)s.",
    "pa": "ਪੰਜਾਬੀ ਵਿੱਚ ਜਾਰੀ ਰੱਖਣ ਲਈ %(key)s ਦਬਾਓ।",
}
OTHER_UNTRANSLATED = {"es": "Para otro idioma, oprima asterisco, o espere en la línea."}

YES_NO = {"1": "yes", "2": "no"}
YES_NO_NOT_SURE = {"1": "yes", "2": "no", "3": "unknown"}


@dataclass
class CallState:
    """What the flow knows of a call (a VoiceCall's fields, without the database)."""

    step: str = "menu"
    tries: int = 0
    language: str = ""
    needs_interpreter: bool = False
    answers: dict = field(default_factory=dict)
    can_call_back: bool = True  # a caller ID we could call or text back


@dataclass(frozen=True)
class Heard:
    """What Twilio posted for a step: the keys pressed, and whether a recording came with it."""

    digits: str | None = None
    recorded: bool = False


@dataclass(frozen=True)
class Step:
    read: Callable[[CallState, Heard], tuple[CallState, list[str]]]


QUESTIONS = {"danger": YES_NO, "contact": YES_NO, "camera": YES_NO_NOT_SURE}
ORDER = ["menu", "name", "story", "danger", "contact", "camera", "done"]


def _next_question(state: CallState, after: str) -> str:
    step = ORDER[ORDER.index(after) + 1]
    if step == "contact" and not state.can_call_back:
        state.answers["contact"] = "no"
        return "camera"
    return step


def _read_menu(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
    digits = (heard.digits or "").strip()
    if digits in MENU_KEYS:
        return replace(state, step="story", tries=0, language=MENU_KEYS[digits]), []
    if digits == OTHER_KEY or state.tries >= 1:
        # Whoever understands none of the ten languages ends up here by staying on the line.
        return replace(state, step="name", tries=0, language=INTERPRETER_LANGUAGES[0], needs_interpreter=True), []
    return replace(state, tries=state.tries + 1), []


def _read_name(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
    return replace(state, step="story", tries=0), []


def _read_story(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
    if heard.recorded:
        return replace(state, step="danger", tries=0), []
    if state.tries == 0:
        return replace(state, tries=1), [P.NO_SOUND]
    return replace(state, step="danger", tries=0), [P.MOVED_ON]


def _read_question(name: str) -> Callable[[CallState, Heard], tuple[CallState, list[str]]]:
    def read(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
        options = QUESTIONS[name]
        digits = (heard.digits or "").strip()
        answers = dict(state.answers)
        if digits in options:
            answers[name] = options[digits]
            notes = [P.EMERGENCY] if name == "danger" and answers[name] == "yes" else []
        elif state.tries == 0:
            return replace(state, tries=1), [P.AGAIN]
        else:
            answers[name] = ""
            notes = [P.MOVED_ON]
        moved = replace(state, answers=answers, tries=0)
        return replace(moved, step=_next_question(moved, name)), notes

    return read


def _read_done(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
    return state, []


STEPS = {
    "menu": Step(_read_menu),
    "name": Step(_read_name),
    "story": Step(_read_story),
    "danger": Step(_read_question("danger")),
    "contact": Step(_read_question("contact")),
    "camera": Step(_read_question("camera")),
    "done": Step(_read_done),
}


def voice_read(state: CallState, heard: Heard) -> tuple[CallState, list[str]]:
    """The next state of a call after what was heard at its step, and any short notes to say
    before the next prompt (asked again, moved on, call 911)."""
    return STEPS[state.step].read(state, heard)


# TwiML ------------------------------------------------------------------------------------------


UNTRANSLATED = {P.MENU: MENU_UNTRANSLATED, P.OTHER_LANGUAGE: OTHER_UNTRANSLATED}


def _text(prompt: str, language: str, **params) -> str:
    with translation.override(language):
        text = str(PROMPTS[prompt])
    if prompt in UNTRANSLATED and language != "en":
        with translation.override("en"):
            if text == str(PROMPTS[prompt]):  # the catalog has no translation yet
                text = UNTRANSLATED[prompt].get(language, text)
    return text % params if params else text


class Speaker:
    """Says prompts in a language: staff's recorded prompt when there is one, else Twilio's voice
    for the language, else (Haitian Creole) the words of the closest language Twilio speaks."""

    def __init__(self, recorded: dict[tuple[str, str], str]) -> None:
        self.recorded = recorded  # (language, step) -> URL of the audio

    def speak(self, node, prompt: str, language: str, **params) -> None:
        url = self.recorded.get((language, prompt))
        if url:
            node.play(url)
            return
        spoken = SPOKEN_INSTEAD.get(language, language)
        code, voice = VOICES.get(spoken, VOICES["en"])
        # A menu line names its own language ("Pou kreyòl..."), even in a borrowed voice.
        words = _text(prompt, language if prompt == P.MENU else spoken, **params)
        node.say(words, language=code, voice=voice)

    def say_digits(self, node, digits: str, language: str) -> None:
        code, voice = VOICES.get(SPOKEN_INSTEAD.get(language, language), VOICES["en"])
        groups = [", ".join(digits[i : i + 4]) for i in range(0, len(digits), 4)]
        node.say(". ".join(groups) + ".", language=code, voice=voice)


def step_url(step: str, turn: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('voice:step', args=[step])}?t={turn}"


def recording_url(kind: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('voice:recording')}?kind={kind}"


def _languages(state: CallState) -> tuple[str, ...]:
    return INTERPRETER_LANGUAGES if state.needs_interpreter else (state.language,)


def voice_twiml(
    state: CallState, *, turn: int, notes: list[str], speaker: Speaker, receipt: str = "", ended: bool = False
) -> str:
    """The TwiML for the step a call is at. `notes` are said first, in the call's language."""
    response = VoiceResponse()
    if ended:
        response.hangup()
        return str(response)
    language = state.language or INTERPRETER_LANGUAGES[0]
    for note in notes:
        speaker.speak(response, note, language)
    action = step_url(state.step, turn)
    if state.step == "menu":
        gather = response.gather(num_digits=1, finish_on_key="", timeout=5, action=action, method="POST")
        for key, code in MENU_KEYS.items():
            speaker.speak(gather, P.MENU, code, key=key)
        for code in INTERPRETER_LANGUAGES:
            speaker.speak(gather, P.OTHER_LANGUAGE, code)
        response.redirect(action, method="POST")  # silence: the same URL, without Digits
    elif state.step in ("name", "story"):
        if state.step == "name":
            for code in INTERPRETER_LANGUAGES:
                speaker.speak(response, P.NAME_LANGUAGE, code)
        else:
            for code in _languages(state):
                if state.tries == 0:
                    speaker.speak(response, P.NOTICE, code)
                speaker.speak(response, P.STORY, code)
        kind = "language_name" if state.step == "name" else "story"
        response.record(
            action=action,
            method="POST",
            max_length=NAME_SECONDS if state.step == "name" else STORY_SECONDS,
            timeout=3 if state.step == "name" else 15,
            finish_on_key="#",
            play_beep=True,
            # The recording's URL arrives here even when the caller hangs up half-way.
            recording_status_callback=recording_url(kind),
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )
        response.redirect(action, method="POST")  # nothing recorded: Twilio goes on to here
    elif state.step in QUESTIONS:
        gather = response.gather(num_digits=1, timeout=7, action=action, method="POST")
        speaker.speak(gather, state.step, language)
        response.redirect(action, method="POST")
    else:  # done
        if receipt:
            speaker.speak(response, P.RECEIPT, language)
            speaker.say_digits(response, receipt, language)
            speaker.speak(response, P.RECEIPT_AGAIN, language)
            speaker.say_digits(response, receipt, language)
            if state.answers.get("contact") == "yes":
                speaker.speak(response, P.RECEIPT_SMS, language)
        speaker.speak(response, P.GOODBYE, language)
        response.hangup()
    return str(response)
