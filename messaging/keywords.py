"""The one-word commands every channel honours, in the ten languages. A keyword counts only when
it is the whole message (Twilio's rule): "stop" opts out, "please stop the car" does not."""

import unicodedata

OPT_OUT = {
    # Twilio's standard words
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    # es, pt, ht, fr
    # (no word that is also an everyday answer: "alto" and "baja" describe officers, "Huy" and
    # "Dũng" are names)
    "parar", "darse de baja", "cancelar", "sair", "sispann", "kanpe", "arret", "desabonner",
    # zh-hans, vi, ar, ru, pa
    "退订", "停止", "取消", "dừng lại", "hủy đăng ký", "توقف", "الغاء", "стоп", "отписаться", "ਬੰਦ", "ਰੋਕੋ",
}  # fmt: skip
OPT_IN = {"start", "unstop", "yes", "iniciar", "comenzar", "kòmanse", "komanse", "demarrer", "开始", "bắt đầu"}
OPT_IN |= {"ابدأ", "старт", "ਸ਼ੁਰੂ"}

_INVISIBLE = {"Cf", "Cc"}  # zero-width and direction marks, control characters
# Stripped from both ends: every kind of space (a phone may add a no-break one) and punctuation.
_EDGES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + ".!¡?¿,;:'\"«»“”。！？،؟"


def normalise(text: str) -> str:
    """Lower case, without accents, invisible marks, surrounding punctuation or spaces. Folded
    twice, as Unicode's compatibility caseless match does: 𝐒𝐓𝐎𝐏 (styled letters) only becomes
    STOP when decomposed, and only then lower case."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.casefold()).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("đ", "d")
    return plain.strip(_EDGES)


_OPT_OUT = {normalise(word) for word in OPT_OUT}
_OPT_IN = {normalise(word) for word in OPT_IN}


def keyword_of(text: str) -> str:
    """'opt_out', 'opt_in' or '' for a whole message."""
    word = normalise(text[:40])
    if word in _OPT_OUT:
        return "opt_out"
    if word in _OPT_IN:
        return "opt_in"
    return ""
