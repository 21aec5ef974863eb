"""The complaint flow for SMS and WhatsApp: a table of steps, each a prompt and a reader of the
reply. `ComplaintFlow.step` is pure (state in, state and replies out); filing the complaint and
looking up a receipt are its actions, run by `ComplaintFlow.act`.

Messages never name the agency or what was alleged beyond the menu the person answers, and the
summary repeats only the date and the place: a phone can be inspected.
"""

import copy
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from intake import answers as read
from intake.choices import FilerRole, YesNoUnknown
from messaging.flows import Context, Reply, Turn
from messaging.keywords import normalise

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
IDLE_RESUME = timedelta(hours=24)
MAX_MEDIA = 10

# (allegation, short label) in the order of the SMS menu: the web form's main kinds, so that the
# menu fits in two text messages in every language; staff can add the others when they triage.
HARMS = [
    ("excessive_force", pgettext_lazy("sms menu", "Hurt someone")),
    ("verbal_abuse", pgettext_lazy("sms menu", "Threats or insults")),
    ("unlawful_entry", pgettext_lazy("sms menu", "Entered or searched a home")),
    ("property", pgettext_lazy("sms menu", "Took or broke things")),
    ("children_family", pgettext_lazy("sms menu", "Children or family harmed")),
    ("medical_neglect", pgettext_lazy("sms menu", "No medical care")),
    ("discrimination", pgettext_lazy("sms menu", "Racism or religion")),
    ("body_camera", pgettext_lazy("sms menu", "Camera off or hidden")),
    ("other", pgettext_lazy("sms menu", "Something else")),
]
ROLES = [FilerRole.PERSON_AFFECTED, FilerRole.FAMILY, FilerRole.WITNESS]
YES_NO_UNKNOWN = [YesNoUnknown.YES, YesNoUnknown.NO, YesNoUnknown.UNKNOWN]

PROMPTS = {
    "privacy": gettext_lazy(
        "Voces is not the government. What you send stays private. Delete these texts if someone checks your phone."
    ),
    "who": gettext_lazy("Who did this happen to? 1 Me 2 Someone in my family 3 Someone else I saw"),
    "story": gettext_lazy("Tell us what happened, in your own words. Send as many texts as you need. Then send DONE."),
    "story_more": gettext_lazy("Got it. Send more if you want. When you finish, send DONE."),
    "when": gettext_lazy("When did it happen? Write today, yesterday, a day like Monday, or a date like 10/3/2026."),
    "where": gettext_lazy("Where did it happen? Write the city and state, like: Houston, TX"),
    "harms": gettext_lazy("What did they do? Send every number that fits, like: 1 3"),
    "camera": gettext_lazy("Did an officer wear a body camera? 1 Yes 2 No 3 Not sure"),
    "recording": gettext_lazy("Did the camera seem to be on? 1 Yes 2 No 3 Not sure"),
    "children": gettext_lazy("How many children were there? Send a number, or 0."),
    "contact": gettext_lazy("May we text you at this number about your complaint? 1 Yes 2 No"),
    "resume": gettext_lazy("Welcome back. Reply 1 to go on where you stopped, or 2 to start again."),
}
AGAIN = {
    "story": gettext_lazy("Please tell us what happened first. Then send DONE."),
    "when": gettext_lazy("We could not read that date. Try again, like: yesterday or 10/3/2026. Send 0 if not sure."),
    "where": gettext_lazy("Please write the city and the state, like: Houston, TX. Send 0 if not sure."),
    "harms": gettext_lazy("Please send the numbers from the list, like: 1 3"),
}
HELP = gettext_lazy(
    "Answer the question, or send BACK to go back, RESTART to start again, STATUS and your number, or STOP."
)
PICK_ONE = gettext_lazy("Please reply with one of the numbers.")
FILED = gettext_lazy(
    "Thank you, we have it. Your number is %(receipt)s. Keep it. To check on it, send STATUS and the number."
)
FILED_BEFORE = gettext_lazy("Thank you. We already have your complaint.")
STATUS_NOW = gettext_lazy("Your complaint: %(status)s.")
NOT_SURE = gettext_lazy("Not sure")


def _language_menu() -> str:
    names = [capfirst(translation.get_language_info(code)["name_local"]) for code in LANGUAGE_CODES]
    return "Voces\n" + "\n".join(f"{n} {name}" for n, name in enumerate(names, start=1))


def _harms_menu() -> str:
    return "\n".join(f"{n} {label}" for n, (_codes, label) in enumerate(HARMS, start=1))


GREETINGS = {
    "en": "hi|hello|hey|good morning|english",
    "es": "hola|buenas|buenos dias|buenas tardes|espanol|español|ayuda",
    "pt": "ola|olá|oi|bom dia|boa tarde|portugues|português|ajuda",
    "ht": "bonjou|bonswa|alo|kreyol|kreyòl|sak pase",
    "fr": "bonjour|bonsoir|salut|francais|français|aide",
    "zh-hans": "你好|您好|中文",
    "vi": "xin chao|xin chào|chao|chào|tieng viet|tiếng việt",
    "ar": "مرحبا|السلام عليكم|سلام|العربية",
    "ru": "привет|здравствуйте|добрый день|русский",
    "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ|ਹੈਲੋ|ਪੰਜਾਬੀ",
}
_GREETINGS = {normalise(word): code for code, words in GREETINGS.items() for word in words.split("|")}
_SCRIPTS = {"CJK": "zh-hans", "ARABIC": "ar", "CYRILLIC": "ru", "GURMUKHI": "pa"}
# Letters only Vietnamese uses (â ê ô ă are Portuguese and French too).
_VIETNAMESE = set("đơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


# Everyday small words that tell Latin-script languages apart in a longer text (an email, a
# first message that is already the story); counted only when one language clearly leads.
FUNCTION_WORDS = {
    "en": "the and i my to they was were of in it is at me we our with not",
    "es": "que de la el en y mi los se por con para una no me fue mis las del al",
    "pt": "que de não nao uma com para os se meu minha em do da foi eles elas nós",
    "fr": "le la les de des et je est une pas mon ma nous dans ils sont été avec",
    "ht": "mwen li yo nan ak pou pa te se sa ki lakay nou gen m ou",
}
_FUNCTION_WORDS = {code: {normalise(w) for w in words.split()} for code, words in FUNCTION_WORDS.items()}


def language_of(text: str) -> str | None:
    """The language a first message is written in, when it tells: its script, a letter only
    Vietnamese uses, a greeting, or (in a longer text) clearly more of one language's small words."""
    text = " ".join(text.split())  # new lines are words' edges, not invisible marks
    for ch in text[:200]:
        if ch.isalpha():
            script = unicodedata.name(ch, "").split(" ")[0]
            if script in _SCRIPTS:
                return _SCRIPTS[script]
    words = re.findall(r"[\w']+", normalise(text[:2000]))
    for size in (3, 2, 1):
        head = " ".join(words[:size])
        if head in _GREETINGS:
            return _GREETINGS[head]
    if _VIETNAMESE & set(text[:200].lower()):
        return "vi"
    counts = sorted(
        ((sum(w in vocabulary for w in words), code) for code, vocabulary in _FUNCTION_WORDS.items()), reverse=True
    )
    (best, code), (second, _other) = counts[0], counts[1]
    return code if best >= 3 and best >= 2 * second else None


@dataclass(frozen=True)
class Step:
    prompt: Callable[[dict], list[str]]
    read: Callable[[dict, str, Context], str | None]  # None: not understood; else the next step


def _ask(key: str) -> Callable[[dict], list[str]]:
    return lambda state: [str(PROMPTS[key])]


def _read_who(state, text, context):
    choice = read.choice_of(text, 3)
    if choice is None:
        return None
    state["answers"]["filer_role"] = ROLES[choice - 1].value
    return "story"


def _read_story(state, text, context):
    if normalise(text) in read.DONE:
        return "when" if state["answers"].get("narrative") else None
    parts = state["answers"].setdefault("narrative", "")
    state["answers"]["narrative"] = (parts + "\n" + text.strip()).strip()[:20000]
    return "story_more"


def _read_when(state, text, context):
    if normalise(text) in read.DONT_KNOW:
        state["answers"]["incident_date"] = None
        return "where"
    try:
        found = read.date_of(text, today=context.today, language=state["language"])
    except read.Ambiguous as ambiguous:
        state["date_options"] = [day.isoformat() for day in ambiguous.options]
        return "when_which"
    if found is None:
        return None
    state["answers"]["incident_date"] = found.isoformat()
    return "where"


def _read_when_which(state, text, context):
    options = state.get("date_options") or []
    choice = read.choice_of(text, len(options))
    if choice is None:
        return None
    state["answers"]["incident_date"] = options[choice - 1]
    return "where"


def _read_where(state, text, context):
    if normalise(text) in read.DONT_KNOW:
        state["answers"]["city"], state["answers"]["state"] = "", ""
        return "harms"
    place = read.place_of(text)
    if place is None:
        return None
    state["answers"]["city"], state["answers"]["state"] = place
    return "harms"


def _read_harms(state, text, context):
    picked = read.choices_of(text, len(HARMS))
    if picked is None:
        return None
    state["answers"]["allegations"] = [HARMS[n - 1][0] for n in picked]
    return "camera"


def _read_camera(state, text, context):
    choice = read.choice_of(text, 3, yes_no=True)
    if choice is None:
        return None
    state["answers"]["body_camera_seen"] = YES_NO_UNKNOWN[choice - 1].value
    if choice != 1:
        state["answers"].pop("body_camera_recording", None)  # an answer from before BACK
    return "recording" if choice == 1 else "children"


def _read_recording(state, text, context):
    choice = read.choice_of(text, 3, yes_no=True)
    if choice is None:
        return None
    state["answers"]["body_camera_recording"] = YES_NO_UNKNOWN[choice - 1].value
    return "children"


def _read_children(state, text, context):
    count = read.count_of(text, maximum=50)  # 0 is none
    if count is None and normalise(text) not in read.DONT_KNOW:
        return None
    state["answers"]["children_count"] = count
    return "contact"


def _read_contact(state, text, context):
    choice = read.choice_of(text, 2, yes_no=True)
    if choice is None:
        return None
    state["answers"]["contact"] = choice == 1
    return "confirm"


def _read_confirm(state, text, context):
    return "send" if read.choice_of(text, 1, yes_no=True) == 1 else None


def _summary(state) -> list[str]:
    found = state["answers"]
    day = date.fromisoformat(found["incident_date"]) if found.get("incident_date") else None
    when = formats.date_format(day, "DATE_FORMAT") if day else str(NOT_SURE)
    where = ", ".join(part for part in (found.get("city"), found.get("state")) if part) or str(NOT_SURE)
    return [_("Ready to send. When: %(when)s. Where: %(where)s. Reply 1 to send it, or BACK to change.") % {
        "when": when, "where": where}]  # fmt: skip


def _which_date(state) -> list[str]:
    days = [formats.date_format(date.fromisoformat(day), "DATE_FORMAT") for day in state.get("date_options", [])]
    return [_("Which day? %(options)s") % {"options": " ".join(f"{n} {day}" for n, day in enumerate(days, 1))}]


STEPS: dict[str, Step] = {
    "who": Step(lambda state: [str(PROMPTS["privacy"]), str(PROMPTS["who"])], _read_who),
    "story": Step(_ask("story"), _read_story),
    "story_more": Step(lambda state: [], _read_story),  # more of the story: no prompt between texts
    "when": Step(_ask("when"), _read_when),
    "when_which": Step(_which_date, _read_when_which),
    "where": Step(_ask("where"), _read_where),
    "harms": Step(lambda state: [str(PROMPTS["harms"]), _harms_menu()], _read_harms),
    "camera": Step(_ask("camera"), _read_camera),
    "recording": Step(_ask("recording"), _read_recording),
    "children": Step(_ask("children"), _read_children),
    "contact": Step(_ask("contact"), _read_contact),
    "confirm": Step(_summary, _read_confirm),
}


class ComplaintFlow:
    """Registered as "complaint" by IntakeConfig.ready."""

    def step(self, state: dict | None, text: str, context: Context) -> Turn:
        text = text.strip()
        media = [item["url"] for item in context.media if item.get("url")][:MAX_MEDIA]
        if not state or not state.get("step"):
            turn = self._begin(text)
            if media and not turn.finished:  # "here is the video" as the very first message
                turn.state["media"] = media
            return turn
        state = copy.deepcopy(state)  # the caller's state stays as it was
        if state["step"] == "when_which" and not state.get("date_options"):
            state["step"] = "when"
        if state["step"] not in STEPS and state["step"] not in ("language", "resume"):
            return self._begin_again(state)  # a state written by an older version of this flow
        language = state.get("language") or settings.LANGUAGE_CODE
        with translation.override(language):
            turn = self._next(state, text, context)
        turn.language = turn.state.get("language") or settings.LANGUAGE_CODE
        return turn

    def _begin(self, text: str) -> Turn:
        language = language_of(text)
        if read.command_of(text) == "status":  # a question, not the start of a complaint
            language = language or read.STATUS_LANGUAGES.get(normalise(text.split()[0]), settings.LANGUAGE_CODE)
            return Turn({}, [], language=language, action=("status", read.digits_of(text)), finished=True)
        if language is None:
            return Turn({"step": "language", "history": [], "answers": {}}, [Reply(_language_menu())])
        return self._enter({"history": [], "answers": {}, "language": language}, "who")

    def _enter(self, state: dict, step: str, *, remember: bool = True) -> Turn:
        """Move to a step and ask its question, in the conversation's language."""
        leaving = "story" if state.get("step") == "story_more" else state.get("step")
        if remember and leaving in STEPS:
            state["history"] = [*state.get("history", []), leaving][-20:]
        state["step"] = step
        with translation.override(state.get("language") or settings.LANGUAGE_CODE):
            replies = [Reply(text) for text in STEPS[step].prompt(state)] if step in STEPS else []
        return Turn(state, replies, language=state.get("language") or settings.LANGUAGE_CODE)

    def holds_work(self, state: dict) -> bool:
        """Whether the person has told us anything yet: until then a survey's keyword may take
        the conversation over (messaging.flows.flow_takes_over); after, the complaint stays."""
        return bool(state.get("answers") or state.get("media"))

    def _next(self, state: dict, text: str, context: Context) -> Turn:
        step = state["step"]
        media = [item["url"] for item in context.media if item.get("url")]
        if media:  # photos, videos, recordings, at any step: kept with the answers, attached once filed
            state["media"] = [*state.get("media", []), *media][:MAX_MEDIA]
        if step == "language":
            choice = read.choice_of(text, len(LANGUAGE_CODES))
            if choice is None:
                return Turn(state, [Reply(_language_menu())])
            state["language"] = LANGUAGE_CODES[choice - 1]
            return self._enter(state, "who", remember=False)
        if step == "resume":
            choice = read.choice_of(text, 2, yes_no=True)
            if choice == 1:
                resume = state.pop("resume_step", None)
                return self._enter(state, resume if resume in STEPS else "who", remember=False)
            if choice == 2:
                return self._begin_again(state)
            return Turn(state, [Reply(str(PICK_ONE)), Reply(str(PROMPTS["resume"]))])
        if context.idle is not None and context.idle >= IDLE_RESUME:
            state["resume_step"] = "story" if step == "story_more" else step
            state["step"] = "resume"
            return Turn(state, [Reply(str(PROMPTS["resume"]))])

        if context.media and not text:
            return Turn(state, self._prompt(state) if step != "story_more" else [])
        command = read.command_of(text)
        if command == "help":
            return Turn(state, [Reply(str(HELP)), *self._prompt(state)])
        if command == "restart":
            return self._begin_again(state)
        if command == "back":
            history = state.get("history") or []
            if not history:
                return Turn({"step": "language", "history": [], "answers": {}}, [Reply(_language_menu())])
            previous = history.pop()
            return self._enter(state, previous, remember=False)
        if command == "status":
            return Turn(state, [], action=("status", read.digits_of(text)))

        next_step = STEPS[step].read(state, text, context)
        if next_step is None:
            again = AGAIN.get(step.removesuffix("_more"), PICK_ONE)
            return Turn(state, [Reply(str(again)), *([] if step in AGAIN else self._prompt(state))])
        if next_step == "story_more":
            # Acknowledged once; the texts after it are taken in silence until DONE.
            replies = [] if step == "story_more" else [Reply(str(PROMPTS["story_more"]))]
            state["step"] = "story_more"
            return Turn(state, replies)
        if next_step == "send":
            state["step"] = "sent"
            return Turn(state, [], action=("file", ""), finished=True)
        return self._enter(state, next_step)

    def _prompt(self, state: dict) -> list[Reply]:
        step = "story" if state["step"] == "story_more" else state["step"]
        return [Reply(text) for text in STEPS[step].prompt(state)] if step in STEPS else [Reply(_language_menu())]

    def _begin_again(self, state: dict) -> Turn:
        if state.get("language") not in LANGUAGE_CODES:
            return Turn({"step": "language", "history": [], "answers": {}}, [Reply(_language_menu())])
        fresh = {"history": [], "answers": {}, "language": state["language"], "media": state.get("media", [])}
        return self._enter(fresh, "who", remember=False)

    def act(self, turn: Turn, context: Context) -> list[Reply]:
        from intake.services import conversation_file, conversation_status

        name, value = turn.action
        with translation.override(turn.language):
            if name == "file":
                return conversation_file(turn.state, context)
            if name == "status":
                return conversation_status(value)
        return []


class EmailComplaintFlow:
    """An email is a whole complaint at once: filed as it came, answered with its receipt.
    Registered as "complaint_email" by IntakeConfig.ready."""

    def step(self, state: dict | None, text: str, context: Context) -> Turn:
        language = language_of(text) or ""  # "" when it cannot be told: the reply is in en and es
        return Turn({}, [], language=language or settings.LANGUAGE_CODE, action=("file_email", language), finished=True)

    def act(self, turn: Turn, context: Context) -> list[Reply]:
        from intake.services import email_file

        return email_file(text_language=turn.action[1], context=context)
