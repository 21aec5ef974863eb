"""How many SMS segments a text takes: GSM-7 when every character is in the GSM 03.38 alphabet
(extension characters count twice), UCS-2 otherwise."""

import math

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)


def segments(text: str) -> tuple[str, int]:
    """('gsm7' or 'ucs2', number of segments)."""
    try:
        septets = len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-le")) // 2
        return "ucs2", 1 if units <= 70 else math.ceil(units / 67)
    return "gsm7", 1 if septets <= 160 else math.ceil(septets / 153)
