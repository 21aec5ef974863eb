"""Receipts: 16 digits that look like a phone number, stored only as a keyed hash.

A keyed hash (HMAC) rather than a password hash: the number has 53 bits of randomness, lookups
are rate-limited, and the status page must stay fast under load.
"""

import secrets
import unicodedata

from privacy.crypto import blind_index

RECEIPT_DIGITS = 16


def receipt_new() -> str:
    return str(10 ** (RECEIPT_DIGITS - 1) + secrets.randbelow(9 * 10 ** (RECEIPT_DIGITS - 1)))


def receipt_digits(value: str) -> str:
    """The digits of what was typed, whatever the script (Arabic-Indic ٤٨٢١ counts as 4821)."""
    return "".join(str(unicodedata.decimal(ch)) for ch in value[:100] if unicodedata.decimal(ch, None) is not None)


def receipt_normalise(value: str) -> str | None:
    digits = receipt_digits(value)
    return digits if len(digits) == RECEIPT_DIGITS else None


def receipt_index(receipt: str) -> str:
    return blind_index(receipt, purpose="receipt")


def receipt_display(receipt: str) -> str:
    """Grouped like a long phone number: 4821 5530 1968 2207."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))
