"""Field encryption (MultiFernet) and blind indexes (HMAC-SHA256).

Keys come from settings: FIELD_ENCRYPTION_KEYS (the first encrypts, every one decrypts, which is
how keys are rotated) and BLIND_INDEX_KEY (for equality lookups on encrypted values).
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    every = [Fernet(key.encode()) for key in keys]
    return MultiFernet(every), every[0]


def encrypt(plaintext: str) -> str:
    multi, _primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    return multi.encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    multi, _primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        return multi.decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: a key still in use was removed "
            "before rotate_encryption_keys finished."
        ) from None


def encrypt_bytes(data: bytes) -> bytes:
    multi, _primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    return multi.encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    multi, _primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        return multi.decrypt(token)
    except InvalidToken:
        raise DecryptionError("A stored file cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from None


def rotate_bytes(token: bytes) -> bytes | None:
    """Encrypted bytes re-encrypted with the first key, or None when they already are."""
    multi, primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        primary.decrypt(token)
    except InvalidToken:
        try:
            return multi.rotate(token)
        except InvalidToken:
            raise DecryptionError("A stored file cannot be decrypted with any of FIELD_ENCRYPTION_KEYS.") from None
    return None


def rotate(token: str) -> str | None:
    """The token re-encrypted with the first key, or None when it already is."""
    multi, primary = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        primary.decrypt(token.encode())
    except InvalidToken:
        try:
            return multi.rotate(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("A stored value cannot be decrypted with any of FIELD_ENCRYPTION_KEYS.") from None
    return None


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for looking up an encrypted value by equality.

    The purpose keeps indexes of different kinds apart (a phone number and a receipt that
    happen to share digits must not match). Callers normalise the value first.
    """
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()
