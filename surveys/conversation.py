"""The survey flow for SMS and WhatsApp: one question at a time, in the person's language, read
from the survey's current published version. `SurveyFlow.step` is a state machine (state in,
state and replies out) that reads the survey through two functions it is given, so tests can
hand it a survey held in memory; storing the response is its action, run by `SurveyFlow.act`.

A conversation starts with a survey's keyword ("CAMERAS"), an organisation's invitation code
("K7P2QX"), or both ("CAMERAS K7P2QX"), and optionally a language ("CAMERAS K7P2QX ES"); see
`starts`, which messaging asks before the conversation's own flow (surveys registers it in
SurveysConfig.ready). The answers so far live in the conversation's state, which messaging keeps
encrypted, and go once the response is stored.

At any question HELP repeats it after a word on what can be sent, BACK asks the one before, and
EXIT or RESTART leave the survey keeping nothing; STATUS leaves it too, and the complaint flow
answers it (the turn hands the message back). An opt-out ends the survey (messaging). A keyword
may not be a word people send for something else: see `keyword_problem`.

Messages say only that the questions are about immigration agents, never more: a phone can be
inspected.
"""

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy, ngettext

from core.fields import LazyI18nString
from messaging import answers as read
from messaging.flows import Context, Reply, Turn
from messaging.keywords import OPT_IN, OPT_OUT, normalise
from surveys.models import Question, Survey

logger = logging.getLogger(__name__)

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
Kind = Question.Kind
TEXT_LIMITS = {Kind.SHORT_TEXT: 300, Kind.LONG_TEXT: 20000}  # as services.response_submit checks them
MAX_START_LENGTH = 60  # a keyword, a code and a language; anything longer is something else
CODE = re.compile(r"[A-Z0-9]{4,12}")

# The same words as the complaint flow's notice, so its translations serve here too.
PRIVACY = gettext_lazy(
    "Voces is not the government. What you send stays private. Delete these texts if someone checks your phone."
)
SKIP_SOME = gettext_lazy("You can skip some.")
STOP_ANY_TIME = gettext_lazy("Send STOP at any time to stop.")
ASK = {
    Kind.SINGLE: gettext_lazy("Reply with one number."),
    Kind.YES_NO: gettext_lazy("Reply with one number."),
    Kind.MULTIPLE: gettext_lazy("Send every number that fits, like: 1 3"),
    Kind.DATE: gettext_lazy("Write a date like 10/3/2026, or today or yesterday."),
    Kind.SHORT_TEXT: gettext_lazy("Write your answer in one text message."),
    Kind.LONG_TEXT: gettext_lazy("Write your answer in one text message."),
}
NUMBER_BETWEEN = gettext_lazy("Send a number from %(low)s to %(high)s.")
NUMBER_FROM = gettext_lazy("Send a number, %(low)s or more.")
NUMBER_UP_TO = gettext_lazy("Send a number, %(high)s or less.")
NUMBER_ANY = gettext_lazy("Send a number.")
SKIP_WITH_0 = gettext_lazy("Send 0 to skip.")
# Translators: SKIP is the word to send; skip, saltar, omitir, pular, sote, passer, 跳过, bỏ qua, تخطي, пропустить and
# ਛੱਡੋ are all understood. Used where 0 is an answer (a number of children, say).
SKIP_WITH_WORD = gettext_lazy("Send SKIP to skip.")
YES = gettext_lazy("Yes")
NO = gettext_lazy("No")
# Corrections, each followed by the question again.
PICK_ONE = gettext_lazy("Please reply with one of the numbers.")  # the complaint flow's words
PICK_SOME = gettext_lazy("Please send the numbers from the list, like: 1 3")  # the complaint flow's words
ONE_NUMBER = gettext_lazy("Please send just one number.")
OUT_OF_RANGE = gettext_lazy("That number is too small or too large.")
BAD_DATE = gettext_lazy("We could not read that date. Please try again.")
WHICH_DAY = gettext_lazy("Which day? %(options)s")  # the complaint flow's words
TOO_LONG = gettext_lazy("That is too long. Please make it shorter.")
NEEDED = gettext_lazy("This question needs an answer.")
# Endings.
SAVED = gettext_lazy("Thank you. We have your answers. You can delete these texts now.")
SAVED_BEFORE = gettext_lazy("Thank you. We already have your answers.")
NOT_SAVED = gettext_lazy("Sorry, we could not save your answers. Please try again later.")
CLOSED = gettext_lazy("This survey is closed now. Thank you.")
UNKNOWN_CODE = gettext_lazy("We could not find that code. Please check it and send it again.")
NEEDS_CODE = gettext_lazy("This survey needs the code your group gave you. Please send %(keyword)s and the code.")
# Commands during the survey: HELP (this, then the question again), BACK, EXIT or RESTART, STATUS.
# Translators: BACK and EXIT are words to send. Understood for BACK: back, atrás, volver, voltar, retounen,
# retour, 返回, quay lại, رجوع, назад, ਪਿੱਛੇ; for EXIT: exit, salir, encerrar, soti, sortir, quitter, 退出, thoát,
# خروج, выход, ਬਾਹਰ. Not SAIR or CANCELAR: they stop every text message.
HELP = gettext_lazy("Answer the question, or send BACK to go back, EXIT to leave the survey, or STOP.")
LEFT = gettext_lazy("You left the survey. We did not keep your answers.")
# For staff choosing a survey's keyword (the admin, an XLSForm).
KEYWORD_RESERVED = gettext_lazy(
    "People already send %(word)s for something else (like STOP, YES, HELP or a language), so it cannot be a "
    "keyword. Choose another word."
)
KEYWORD_NUMBER = gettext_lazy("A keyword needs at least one letter: a number alone is read as an answer.")

# Words that skip an optional question, whatever its kind ("0" too, when 0 is not an answer).
SKIP = read.word_set("skip|saltar|omitir|pular|sote|passer|跳过|bo qua|bỏ qua|تخطي|пропустить|ਛੱਡੋ")
# Words that leave the survey, as RESTART does (not "quit", "sair" or "cancelar": those opt out).
EXIT = read.word_set("exit|salir|encerrar|soti|sortir|quitter|退出|thoat|thoát|خروج|выход|выйти|ਬਾਹਰ|ਬਾਹਰ ਜਾਓ")


def command_of(text: str) -> str:
    """'help', 'back', 'exit' (RESTART too: the survey is left), 'status' or '' for a whole message."""
    if normalise(text[:40]) in EXIT:
        return "exit"
    command = read.command_of(text)
    return "exit" if command == "restart" else command


# --- The survey as the flow reads it -----------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One question (or note) of a published version, in every language it is written in."""

    name: str
    kind: str
    label: dict
    hint: dict | None = None
    required: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    show_if: dict | None = None
    choices: tuple[tuple[str, dict], ...] = ()  # (value, {language: label})


@dataclass(frozen=True)
class Script:
    """A published version: frozen, so what the flow reads never changes under it."""

    survey_id: int
    version_id: int
    languages: tuple[str, ...]  # the languages it is written in, as settings.LANGUAGES orders them
    items: tuple[Item, ...]

    def item(self, name: str | None) -> Item | None:
        return next((item for item in self.items if item.name == name), None)

    @property
    def questions(self) -> list[Item]:
        return [item for item in self.items if item.kind != Kind.NOTE]


@dataclass(frozen=True)
class Start:
    """What a first message asks for: a survey to begin, or a problem to explain ("closed",
    "code": an unknown or mismatched code, "needs_code": an invited survey without one)."""

    script: Script | None = None
    invitation_id: int | None = None
    language: str | None = None  # named in the message
    problem: str = ""
    keyword: str = ""


def _texts(value) -> dict:
    data = getattr(value, "data", value)
    if isinstance(data, dict):
        return {code: text for code, text in data.items() if text}
    return {settings.LANGUAGE_CODE: str(data)} if data else {}


def script_of(version) -> Script:
    """The flow's reading of a published SurveyVersion (its questions and choices prefetched)."""
    survey = version.survey
    title = _texts(survey.title)
    items = tuple(
        Item(
            name=question.name,
            kind=question.kind,
            label=_texts(question.label),
            hint=_texts(question.hint),
            required=question.required,
            min_value=question.min_value,
            max_value=question.max_value,
            show_if=question.show_if or None,
            choices=tuple((choice.value, _texts(choice.label)) for choice in question.choices.all()),
        )
        for question in version.questions.all()
    )
    languages = tuple(code for code in LANGUAGE_CODES if code in title) or (settings.LANGUAGE_CODE,)
    return Script(survey_id=survey.pk, version_id=version.pk, languages=languages, items=items)


def script_load(version_id: int) -> Script | None:
    from surveys.selectors import version_for_conversation

    version = version_for_conversation(version_id)
    return script_of(version) if version is not None else None


def _in(texts: dict | None, language: str) -> str:
    return LazyI18nString(texts or {}).localize(language) if texts else ""


# --- Starting: keyword, invitation code, language ----------------------------------------------


def _language_words() -> dict[str, str]:
    words = {}
    for code in LANGUAGE_CODES:
        info = translation.get_language_info(code)
        names = [code, code.split("-")[0], info["name"], info["name_local"]]
        for name in names:
            words[normalise(name)] = code
            for part in name.split():
                words.setdefault(normalise(part), code)
    return words


LANGUAGE_WORDS = _language_words()

# Words people send for something else, which a survey's keyword must never be: a message that is
# only its keyword starts the survey, before any flow reads it.
RESERVED_WORDS = frozenset(
    {normalise(word) for word in OPT_OUT | OPT_IN}
    | read.YES | read.NO | read.DONT_KNOW | read.HELP | read.BACK | read.RESTART | read.STATUS
    | read.TODAY | read.YESTERDAY | read.DAY_BEFORE | frozenset().union(*read.WEEKDAYS)
    | SKIP | EXIT | set(LANGUAGE_WORDS)
)  # fmt: skip


def keyword_problem(word: str) -> str | None:
    """Why a word cannot be a survey's keyword, or None when it can (Survey.clean, so the admin
    and survey_define, and the XLSForm import ask): an opt-out or opt-in word would stop or
    restart everyone's texts, an answer or a command would start the survey mid-conversation."""
    plain = normalise(word or "")
    if not plain:
        return None
    if read.digits_of(plain).isdecimal():
        return str(KEYWORD_NUMBER)
    if plain in RESERVED_WORDS:
        return str(KEYWORD_RESERVED) % {"word": word.strip().upper()}
    return None


def _tokens(text: str) -> list[str] | None:
    if len(text) > MAX_START_LENGTH:
        return None
    tokens = [token for token in re.split(r"[\s,;:.!?¡¿\"'«»“”()]+", text) if token]
    return tokens if 1 <= len(tokens) <= 4 else None


@dataclass(frozen=True)
class _Match:
    survey: Survey | None
    invitation: object | None
    language: str | None
    problem: str = ""


def _match(text: str) -> _Match | None:
    """The survey (and invitation, and language) a short message names, or None when it names
    none; a keyword with a code we do not know is a problem to explain, not another message."""
    from surveys import selectors

    tokens = _tokens(text)
    if tokens is None:
        return None
    survey = invitation = language = None
    unknown = []
    for token in tokens:
        plain = normalise(token)
        upper = plain.upper()
        if survey is None and any(ch.isalpha() for ch in plain) and plain not in RESERVED_WORDS:
            # (a reserved word saved as a keyword before keyword_problem existed starts nothing)
            survey = selectors.survey_by_keyword(upper) or (
                selectors.survey_by_keyword(token.upper()) if token.upper() != upper else None
            )
            if survey is not None:
                continue
        if invitation is None and CODE.fullmatch(upper):
            invitation = selectors.invitation_by_code(upper)
            if invitation is not None:
                continue
        if LANGUAGE_WORDS.get(plain) and language in (None, LANGUAGE_WORDS[plain]):
            language = LANGUAGE_WORDS[plain]
            continue
        unknown.append(upper)
    if survey is None and invitation is None:
        return None
    if unknown:
        if survey is not None and invitation is None and len(unknown) == 1 and CODE.fullmatch(unknown[0]):
            return _Match(survey, None, language, problem="code")
        return None
    if survey is not None and invitation is not None and invitation.survey_id != survey.pk:
        return _Match(survey, None, language, problem="code")
    return _Match(survey or invitation.survey, invitation, language)


def starts(text: str) -> bool:
    """Whether a whole message begins a survey (registered with messaging.flows.flow_register)."""
    return _match(text) is not None


def start_find(text: str) -> Start | None:
    """What a first message asks for, with the survey's current version read for the flow."""
    from surveys import selectors

    match = _match(text)
    if match is None:
        return None
    survey, keyword = match.survey, match.survey.keyword
    if match.problem:
        return Start(language=match.language, problem=match.problem, keyword=keyword)
    version = selectors.version_current(survey) if selectors.survey_is_open(survey) else None
    script = script_load(version.pk) if version is not None else None
    if script is None:
        return Start(language=match.language, problem="closed", keyword=keyword)
    if survey.audience == Survey.Audience.INVITED and match.invitation is None:
        return Start(language=match.language, problem="needs_code", keyword=keyword)
    invitation_id = match.invitation.pk if match.invitation is not None else None
    return Start(script=script, invitation_id=invitation_id, language=match.language, keyword=keyword)


# --- Reading answers ----------------------------------------------------------------------------

SKIPPED = object()


def _number_text(number: Decimal) -> str:
    """One spelling per number ("34", "2.5"), so show-if rules compare like the web's."""
    return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")


def _zero_is_an_answer(item: Item) -> bool:
    return (
        item.kind == Kind.NUMBER
        and (item.min_value is None or item.min_value <= 0)
        and (item.max_value is None or item.max_value >= 0)
    )


def _number_of(text: str) -> Decimal | None:
    """The one number in a short reply ("34", "34 años", "2,5"); None for none or several."""
    plain = read.digits_of(normalise(text[:40]))
    found = re.findall(r"-?\d{1,9}(?:[.,]\d{1,2})?(?!\d)", plain)
    if len(found) != 1 or len(plain.split()) > 4 or re.search(r"\d[.,]\d{3}", plain):
        return None
    try:
        return Decimal(found[0].replace(",", "."))
    except InvalidOperation:
        return None


def _choice_by_words(item: Item, text: str, language: str) -> str | None:
    """A choice named rather than numbered: its label ("En casa"), or yes and no words."""
    word = normalise(text[:80])
    values = [value for value, _label in item.choices]
    for value, label in item.choices:
        if word and word == normalise(_in(label, language)):
            return value
    for value, words in (("yes", read.YES), ("no", read.NO)):
        if value in values and word in words:
            return value
    return None


def read_answer(item: Item, text: str, *, today, language: str):
    """(value, "") with the value as services.response_submit takes it, (SKIPPED, "") or
    (None, problem). Raises read.Ambiguous for a numeric date that reads two ways."""
    word = normalise(text[:40])
    if word in SKIP or (word == "0" and not _zero_is_an_answer(item)):
        return (None, "needed") if item.required else (SKIPPED, "")
    if not text.strip():
        return None, "empty"
    kind = item.kind
    if kind == Kind.YES_NO:
        choice = read.choice_of(text, 2, yes_no=True)
        return (("yes", "no")[choice - 1], "") if choice else (None, "pick")
    if kind == Kind.SCALE:
        choice = read.choice_of(text, 5)
        return (str(choice), "") if choice else (None, "pick")
    if kind == Kind.SINGLE:
        choice = read.choice_of(text, len(item.choices))
        if choice:
            return item.choices[choice - 1][0], ""
        value = _choice_by_words(item, text, language)
        return (value, "") if value else (None, "pick")
    if kind == Kind.MULTIPLE:
        picked = read.choices_of(text, len(item.choices))
        return ([item.choices[n - 1][0] for n in picked], "") if picked else (None, "pick_some")
    if kind == Kind.NUMBER:
        number = _number_of(text)
        if number is None:
            return None, "number"
        if (item.min_value is not None and number < item.min_value) or (
            item.max_value is not None and number > item.max_value
        ):
            return None, "range"
        return _number_text(number), ""
    if kind == Kind.DATE:
        found = read.date_of(text, today=today, language=language)
        return (found.isoformat(), "") if found else (None, "date")
    answer = text.strip()
    return (answer, "") if len(answer) <= TEXT_LIMITS.get(kind, 300) else (None, "too_long")


CORRECTIONS = {
    "pick": PICK_ONE,
    "pick_some": PICK_SOME,
    "number": ONE_NUMBER,
    "range": OUT_OF_RANGE,
    "date": BAD_DATE,
    "too_long": TOO_LONG,
    "needed": NEEDED,
}


def shown(item: Item, answers: dict) -> bool:
    """The show-if rule as services.response_submit applies it: hidden unless the earlier answer
    matches (a skipped one matches nothing)."""
    rule = item.show_if
    if not rule:
        return True
    earlier = answers.get(rule.get("question"))
    if earlier in (None, "", []):
        return False
    value = rule.get("value")
    return value in earlier if isinstance(earlier, list) else str(earlier) == str(value)


# --- What the person reads ----------------------------------------------------------------------


def _plain(number: Decimal) -> str:
    return _number_text(Decimal(number))


def question_text(script: Script, item: Item, language: str) -> str:
    """One message: its number, the question, its hint, the choices and how to answer."""
    numbered = [q.name for q in script.questions]
    lines = [f"{numbered.index(item.name) + 1}/{len(numbered)} {_in(item.label, language)}"]
    hint = _in(item.hint, language)
    if hint:
        lines.append(hint)
    if item.kind == Kind.YES_NO:
        lines += [f"1 {YES}", f"2 {NO}"]
    elif item.kind in (Kind.SINGLE, Kind.MULTIPLE):
        lines += [f"{n} {_in(label, language)}" for n, (_value, label) in enumerate(item.choices, 1)]
    how = [str(ASK[item.kind])] if item.kind in ASK else [number_rule(item)]
    if not item.required:
        how.append(str(SKIP_WITH_WORD if _zero_is_an_answer(item) else SKIP_WITH_0))
    lines.append(" ".join(how))
    return "\n".join(lines)


def number_rule(item: Item) -> str:
    low, high = (1, 5) if item.kind == Kind.SCALE else (item.min_value, item.max_value)
    if low is not None and high is not None:
        return str(NUMBER_BETWEEN) % {"low": _plain(low), "high": _plain(high)}
    if low is not None:
        return str(NUMBER_FROM) % {"low": _plain(low)}
    if high is not None:
        return str(NUMBER_UP_TO) % {"high": _plain(high)}
    return str(NUMBER_ANY)


def intro_text(script: Script) -> str:
    count = len(script.questions)
    # "up to": show-if rules may leave some out.
    intro = ngettext(
        "%(count)s question about immigration agents.", "Up to %(count)s questions about immigration agents.", count
    ) % {"count": count}
    optional = any(not item.required for item in script.questions)
    return " ".join([intro, *([str(SKIP_SOME)] if optional else []), str(STOP_ANY_TIME)])


def language_menu(languages) -> str:
    names = [capfirst(translation.get_language_info(code)["name_local"]) for code in languages]
    return "Voces\n" + "\n".join(f"{n} {name}" for n, name in enumerate(names, start=1))


def which_day_text(state: dict) -> str:
    days = [formats.date_format(date.fromisoformat(day), "DATE_FORMAT") for day in state.get("date_options", [])]
    return str(WHICH_DAY) % {"options": " ".join(f"{n} {day}" for n, day in enumerate(days, 1))}


# --- The flow -----------------------------------------------------------------------------------


class SurveyFlow:
    """Registered as "survey" by SurveysConfig.ready. `find` and `load` read the database unless
    a test gives others; `submit` stores the response (in `act`)."""

    def __init__(
        self,
        *,
        find: Callable[[str], Start | None] = start_find,
        load: Callable[[int], Script | None] = script_load,
        submit: Callable[[dict, Context], list[Reply]] | None = None,
    ) -> None:
        self.find, self.load, self.submit = find, load, submit or conversation_submit

    def holds_work(self, state: dict) -> bool:
        """Until the first answer, another keyword may start afresh (messaging.flows)."""
        return bool(state.get("answers"))

    def step(self, state: dict | None, text: str, context: Context) -> Turn:
        text = text.strip()
        if not state or not state.get("version"):
            return self._begin(text, context)
        state = copy.deepcopy(state)  # the caller's state stays as it was
        script = self.load(state["version"])
        language = state.get("language") or settings.LANGUAGE_CODE
        with translation.override(language):
            if script is None:  # a version gone while the person answered
                return Turn({}, [Reply(str(CLOSED))], language=language, finished=True)
            turn = self._next(script, state, text, context)
        turn.language = turn.state.get("language") or language
        return turn

    def _begin(self, text: str, context: Context) -> Turn:
        start = self.find(text)
        language = (start.language if start else None) or settings.LANGUAGE_CODE
        if start is None or start.problem or start.script is None:
            problem = start.problem if start else "closed"
            with translation.override(language):
                message = {"code": UNKNOWN_CODE, "needs_code": NEEDS_CODE}.get(problem, CLOSED)
                reply = str(message) % {"keyword": start.keyword if start else ""}
            return Turn({}, [Reply(reply)], language=language, finished=True)
        script = start.script
        chosen = start.language if start.language in script.languages else None
        if chosen is None and len(script.languages) == 1:
            chosen = script.languages[0]
        state = {
            "survey": script.survey_id,
            "version": script.version_id,
            "invitation": start.invitation_id,
            # With the conversation, the key that stores this response once (act).
            "started": context.message_id,
            "language": chosen,
            "answers": {},
        }
        if chosen is None:
            state["step"] = "language"
            return Turn(state, [Reply(language_menu(script.languages))], language=language)
        with translation.override(chosen):
            return self._intro(script, state)

    def _intro(self, script: Script, state: dict) -> Turn:
        language = state["language"]
        turn = self._advance(script, state, after=None)
        turn.replies[:0] = [Reply(str(PRIVACY)), Reply(intro_text(script))]
        turn.language = language
        return turn

    def _next(self, script: Script, state: dict, text: str, context: Context) -> Turn:
        step = state.get("step")
        command = command_of(text)
        if command in ("exit", "status"):
            # Nothing is kept, and the conversation goes back to the channel's own flow: the next
            # message starts a complaint as usual, and a STATUS is answered by the complaint flow.
            return Turn({}, [Reply(str(LEFT))], finished=True, hand_back=command == "status")
        if step == "language":
            if command:  # help or back: the menu again
                menu = Reply(language_menu(script.languages))
                return Turn(state, [Reply(str(HELP)), menu] if command == "help" else [menu])
            code = self._language_reply(text, script.languages)
            if code is None:
                return Turn(state, [Reply(language_menu(script.languages))])
            state["language"] = code
            with translation.override(code):
                return self._intro(script, state)
        language = state.get("language") or settings.LANGUAGE_CODE
        item = script.item(state.get("at"))
        if item is None or item.kind == Kind.NOTE:  # a state from an older version of this flow
            state["answers"] = {}
            return self._advance(script, state, after=None)
        if command == "help":
            choosing = step == "which_date" and state.get("date_options")
            asking = which_day_text(state) if choosing else question_text(script, item, language)
            return Turn(state, [Reply(str(HELP)), Reply(asking)])
        if command == "back":
            return self._back(script, state, item)
        if step == "which_date" and state.get("date_options"):
            options = state["date_options"]
            choice = read.choice_of(text, len(options))
            if choice is None:
                return Turn(state, [Reply(str(PICK_ONE)), Reply(which_day_text(state))])
            state["answers"][item.name] = options[choice - 1]
            state.pop("date_options", None)
            return self._advance(script, state, after=item.name)
        try:
            value, problem = read_answer(item, text, today=context.today, language=language)
        except read.Ambiguous as ambiguous:
            state["step"] = "which_date"
            state["date_options"] = [day.isoformat() for day in ambiguous.options]
            return Turn(state, [Reply(which_day_text(state))])
        if problem:
            correction = [] if problem == "empty" else [Reply(str(CORRECTIONS[problem]))]
            return Turn(state, [*correction, Reply(question_text(script, item, language))])
        if value is SKIPPED:
            state["answers"].pop(item.name, None)
        else:
            state["answers"][item.name] = value
        return self._advance(script, state, after=item.name)

    def _advance(self, script: Script, state: dict, *, after: str | None) -> Turn:
        """Notes on the way, then the next question its show-if rule lets through; after the
        last, the response is stored (act)."""
        language = state.get("language") or settings.LANGUAGE_CODE
        names = [item.name for item in script.items]
        replies = []
        for item in script.items[names.index(after) + 1 if after in names else 0 :]:
            if not shown(item, state["answers"]):
                state["answers"].pop(item.name, None)
                continue
            if item.kind == Kind.NOTE:
                replies.append(Reply(_in(item.label, language)))
                continue
            state["step"], state["at"] = "ask", item.name
            replies.append(Reply(question_text(script, item, language)))
            return Turn(state, replies, language=language)
        state["step"], state["at"] = "done", None
        return Turn(state, replies, language=language, action=("submit", ""), finished=True)

    def _back(self, script: Script, state: dict, item: Item) -> Turn:
        """The question asked before this one (not one a show-if rule left out); from the day to
        pick, the date question; from the first question, the languages when there are several."""
        language = state.get("language") or settings.LANGUAGE_CODE
        previous = item
        if state.get("step") != "which_date":
            earlier = script.items[: script.items.index(item)]
            asked = [q for q in earlier if q.kind != Kind.NOTE and shown(q, state["answers"])]
            previous = asked[-1] if asked else None
        state.pop("date_options", None)
        if previous is None and len(script.languages) > 1:
            state["step"] = "language"
            return Turn(state, [Reply(language_menu(script.languages))])
        previous = previous or item
        state["step"], state["at"] = "ask", previous.name
        return Turn(state, [Reply(question_text(script, previous, language))])

    def _language_reply(self, text: str, languages: tuple[str, ...]) -> str | None:
        choice = read.choice_of(text, len(languages))
        if choice is not None:
            return languages[choice - 1]
        named = LANGUAGE_WORDS.get(normalise(text[:40]))
        return named if named in languages else None

    def act(self, turn: Turn, context: Context) -> list[Reply]:
        name, _value = turn.action
        with translation.override(turn.language):
            if name == "submit":
                return self.submit(turn.state, context)
        return []


def conversation_submit(state: dict, context: Context) -> list[Reply]:
    """Store what a conversation collected, once: the key is the conversation and the message
    that started the survey, so a retried or repeated message finds the first response."""
    from privacy.crypto import blind_index
    from surveys import selectors, services
    from surveys.models import Response

    version = selectors.version_for_conversation(state["version"])
    if version is None or not selectors.survey_is_open(version.survey):
        return [Reply(str(CLOSED))]
    invitation = selectors.invitation_by_id(state.get("invitation"))
    key = blind_index(f"{context.conversation_id}:{state['started']}", purpose="survey-submission")
    try:
        _response, created = services.response_submit(
            version=version,
            answers=state["answers"],
            channel=Response.Channel.SMS,  # WhatsApp too: the same kind of short answers
            language=state["language"],
            # Opaque: it must not lead from the response back to the phone's messages.
            submission_key=f"sms:{key[:40]}",
            organization=invitation.organization if invitation is not None else None,
            invitation=invitation,
        )
    except services.ResponseInvalid as invalid:
        # Names and codes only, never what was answered.
        logger.warning("an SMS survey response was refused: %s", [(p.question, p.code) for p in invalid.problems])
        return [Reply(str(NOT_SAVED))]
    return [Reply(str(SAVED if created else SAVED_BEFORE))]
