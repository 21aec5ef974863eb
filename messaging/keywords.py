"""The one-word commands every channel honours, in the ten languages. A keyword counts only when
it is the whole message (Twilio's rule): "stop" opts out, "please stop the car" does not."""

import unicodedata

OPT_OUT = {
    # Twilio's standard words
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    # es, pt, ht, fr
    "alto", "parar", "para", "baja", "cancelar", "sair", "pare", "sispann", "kanpe", "arret", "desabonner",
    # zh-hans, vi, ar, ru, pa
    "退订", "停止", "取消", "dung", "huy", "توقف", "الغاء", "стоп", "отписаться", "ਬੰਦ", "ਰੋਕੋ",
}  # fmt: skip
OPT_IN = {"start", "unstop", "yes", "iniciar", "comenzar", "kòmanse", "komanse", "demarrer", "开始", "bat dau"}
OPT_IN |= {"ابدأ", "старт", "ਸ਼ੁਰੂ"}

_INVISIBLE = {"Cf", "Cc"}  # zero-width and direction marks, control characters


def normalise(text: str) -> str:
    """Lower case, without accents, invisible marks, surrounding punctuation or spaces."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.strip(" \t\r\n.!¡?¿,;:'\"«»“”。！？،؟")


def keyword_of(text: str) -> str:
    """'opt_out', 'opt_in' or '' for a whole message."""
    word = normalise(text)
    if word in {normalise(w) for w in OPT_OUT}:
        return "opt_out"
    if word in {normalise(w) for w in OPT_IN}:
        return "opt_in"
    return ""
