"""Reading short answers typed on a phone, in the ten languages: numbers in any script, yes and
no, a few command words, and dates (today, yesterday, weekday names, numeric dates). Pure
functions, shared by every conversation flow (the complaint flow, the survey flow)."""

import re
import unicodedata
from datetime import date, timedelta

from messaging.keywords import normalise


def word_set(*groups: str) -> frozenset[str]:
    """Words separated by |, as `normalise` leaves them, to compare with a normalised reply."""
    return frozenset(normalise(word) for group in groups for word in group.split("|"))


# Commands a person can send at any step, whole message, any language.
HELP = word_set("help|info|ayuda|ajuda|ed|èd|aide|帮助|帮忙|giup|giúp|giúp đỡ|مساعدة|помощь|ਮਦਦ")
BACK = word_set("back|atras|atrás|volver|voltar|retounen|retour|返回|上一步|quay lai|quay lại|رجوع|назад|ਪਿੱਛੇ")
RESTART = word_set(
    "restart|reiniciar|empezar de nuevo|recomecar|recomeçar|rekomanse|rekòmanse|recommencer|重新开始|lam lai|làm lại"
    "|ابدأ من جديد|إعادة|заново|сначала|ਮੁੜ ਸ਼ੁਰੂ"
)
# STATUS and a receipt number: the complaint flow answers it, whatever flow the person is in.
STATUS = word_set("status|estado|estatus|situacao|situação|estati|statut|状态|trang thai|trạng thái|حالة|статус|ਸਥਿਤੀ")
YES = word_set("yes|y|si|sí|sim|wi|oui|是|是的|对|有|可以|co|có|vang|vâng|نعم|да|ਹਾਂ|ਜੀ")
NO = word_set("no|n|nao|não|non|不|不是|没有|不可以|khong|không|لا|нет|ਨਹੀਂ|ਨਹੀ")
DONT_KNOW = word_set(
    "0|dont know|don't know|i don't know|no se|no sé|nao sei|não sei|m pa konnen|mwen pa konnen|je ne sais pas|"
    "not sure|no estoy seguro|no estoy segura|nao tenho certeza|não tenho certeza|pa seten|pa sèten|pas sur|pas sûr|"
    "不知道|不确定|khong chac|không chắc|khong biet|không biết|غير متأكد|لا أعرف|لا اعرف|"
    "не уверен|не уверена|не знаю|ਪੱਕਾ ਨਹੀਂ|ਪਤਾ ਨਹੀਂ"
)

TODAY = word_set("today|hoy|hoje|jodi a|jodia|jodi|aujourd'hui|aujourdhui|今天|hom nay|hôm nay|اليوم|сегодня|ਅੱਜ")
YESTERDAY = word_set("yesterday|ayer|ontem|ye|yè|hier|昨天|hom qua|hôm qua|أمس|امس|вчера|ਕੱਲ੍ਹ|ਕੱਲ")
DAY_BEFORE = word_set("anteayer|antier|anteontem|avanyè|avant-hier|前天|hom kia|hôm kia|أول أمس|اول امس|позавчера")
WEEKDAYS = [  # Monday first, as date.weekday() counts
    word_set("monday|lunes|segunda|segunda-feira|lendi|lundi|星期一|"
             "周一|礼拜一|thu hai|thứ hai|الاثنين|الإثنين|понедельник|ਸੋਮਵਾਰ"),
    word_set("tuesday|martes|terca|terça|terca-feira|terça-feira|madi|"
             "mardi|星期二|周二|thu ba|thứ ba|الثلاثاء|вторник|ਮੰਗਲਵਾਰ"),
    word_set("wednesday|miercoles|miércoles|quarta|quarta-feira|mekredi|mèkredi|mercredi|"
             "星期三|周三|thu tu|thứ tư|الأربعاء|الاربعاء|среда|среду|ਬੁੱਧਵਾਰ"),
    word_set("thursday|jueves|quinta|quinta-feira|jedi|jeudi|"
             "星期四|周四|thu nam|thứ năm|الخميس|четверг|ਵੀਰਵਾਰ"),
    word_set("friday|viernes|sexta|sexta-feira|vandredi|vendredi|星期五|"
             "周五|thu sau|thứ sáu|الجمعة|пятница|пятницу|ਸ਼ੁੱਕਰਵਾਰ"),
    word_set("saturday|sabado|sábado|samdi|samedi|星期六|"
             "周六|thu bay|thứ bảy|السبت|суббота|субботу|ਸ਼ਨੀਵਾਰ"),
    word_set("sunday|domingo|dimanch|dimanche|星期日|星期天|"
             "周日|chu nhat|chủ nhật|الأحد|الاحد|воскресенье|ਐਤਵਾਰ"),
]  # fmt: skip
# Where a numeric date like 3/10 is read day first; en (the US) reads month first, zh year first.
MONTH_FIRST = {"en"}


def digits_of(text: str) -> str:
    """The text with every decimal digit, whatever its script, as 0-9 (٣ and ३ are 3)."""
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text)


def command_of(text: str) -> str:
    """'help', 'back', 'restart', 'status' or '' for a whole message (STATUS takes a number after it)."""
    word = normalise(text[:60])
    for name, words in (("help", HELP), ("back", BACK), ("restart", RESTART)):
        if word in words:
            return name
    head = normalise(re.sub(r"[\d\s٠-٩۰-۹०-९੦-੯-]+$", "", word))
    if head in STATUS:
        return "status"
    return ""


def numbers_in(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", digits_of(text))[:20] if len(n) < 6]


def bare_number(text: str) -> int | None:
    """The number a reply is, when it is nothing else ("2", "2.", " ٢ "); never one inside words."""
    plain = digits_of(normalise(text[:40]))
    return int(plain) if re.fullmatch(r"\d{1,3}", plain) else None


def choice_of(text: str, count: int, *, yes_no: bool = False) -> int | None:
    """The one option (1..count) a reply picks: a bare number, or for a 1 Yes / 2 No / 3 Don't
    know question a yes/no/don't-know answer. "Yes, 2 of them" is asked again, not read as 2."""
    word = normalise(text[:40])
    if yes_no:
        for number, words in ((1, YES), (2, NO), (3, DONT_KNOW)):
            if word in words and number <= count:
                return number
    number = bare_number(text)
    return number if number is not None and 1 <= number <= count else None


_JOINERS = r"\b(?:y|and|e|et|и|va|và|و|和)\b"


def choices_of(text: str, count: int) -> list[int] | None:
    """Several options at once, like '1 3 5', '1, 3' or '1 y 3'; None for anything else (a range
    like 1-3, words, a number out of the list)."""
    plain = re.sub(_JOINERS, " ", digits_of(normalise(text[:80])))
    if not re.fullmatch(r"\d{1,2}(?:[\s,;./&+]+\d{1,2})*", plain.strip(" ,;./&+")):
        return None
    numbers = numbers_in(plain)
    if any(not 1 <= n <= count for n in numbers):
        return None
    return sorted(set(numbers))


def count_of(text: str, maximum: int = 500) -> int | None:
    """A count of people: a bare number, or 0 for no/none. "my daughter, 8 years old" is not 8."""
    if normalise(text[:40]) in NO:
        return 0
    number = bare_number(text)
    return number if number is not None and number <= maximum else None


class Ambiguous(Exception):
    """Two readings of a numeric date (3/10: March 10 or October 3); both are given."""

    def __init__(self, options: list[date]):
        super().__init__(options)
        self.options = options


def date_of(text: str, *, today: date, language: str) -> date | None:
    """The day a reply names, or None if it names none (or one in the future). Raises Ambiguous
    when a numeric date reads two ways."""
    word = normalise(text[:60])
    tokens = re.findall(r"[\w'-]+", word)
    # The whole reply, then (in a short one) its pairs of words and its words: "el lunes",
    # "в понедельник"; in a longer one ("no fue hoy, fue ayer") a word alone could mislead.
    phrases = [word]
    if len(tokens) <= 3:
        phrases += [*(" ".join(pair) for pair in zip(tokens, tokens[1:], strict=False)), *tokens]
    for phrase in phrases:
        if phrase in TODAY:
            return today
        if phrase in YESTERDAY:
            return today - timedelta(days=1)
        if phrase in DAY_BEFORE:
            return today - timedelta(days=2)
        for weekday, names in enumerate(WEEKDAYS):
            if phrase in names:
                return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    return _numeric_date(digits_of(word), today=today, language=language)


def _numeric_date(text: str, *, today: date, language: str) -> date | None:
    if "月" in text:  # 10月3日, 2026年10月3日: month and day are named
        named = re.fullmatch(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", text)
        if not named:
            return None
        year, month, day = named.groups()
        candidates, third = [(int(year or today.year), int(month), int(day))], year
    else:
        parts = re.fullmatch(r"(\d{1,4})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2,4}))?", text)
        if not parts:
            return None
        first, second, third = (int(p) if p else None for p in parts.groups())
        if first > 31:  # 2026-10-03: year, month, day
            candidates = [(first, second, third)] if third else []
        else:
            year = third if third is not None else today.year
            year = year + 2000 if year < 100 else year
            day_first, month_first = (year, second, first), (year, first, second)
            order = [month_first, day_first] if language in MONTH_FIRST else [day_first, month_first]
            candidates = order if first != second else [order[0]]
    readings = []
    for year, month, day in candidates:
        found = _day(year, month, day)
        # Without a year, the last time that day came: "10/3" in January is last October, and
        # "29/2" the last leap year's.
        back = 0
        while third is None and (found is None or found > today) and back < 4:
            back += 1
            found = _day(year - back, month, day)
        if found and today.year - 50 <= found.year and found <= today and found not in readings:
            readings.append(found)
    if len(readings) > 1:
        raise Ambiguous(readings)
    return readings[0] if readings else None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except (TypeError, ValueError):
        return None
