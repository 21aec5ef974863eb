"""Encrypted file storage: bytes are Fernet-encrypted before they reach the storage backend
(local disk under VAR_DIR/media, or an S3-compatible bucket), which no URL route serves."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from privacy.crypto import decrypt_bytes, encrypt_bytes, rotate_bytes


def encrypted_file_store(data: bytes, *, folder: str) -> str:
    name = f"private/{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(encrypt_bytes(data)))


def encrypted_file_read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return decrypt_bytes(handle.read())


def encrypted_file_delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def encrypted_file_rotated_copy(name: str) -> str | None:
    """A copy of a stored file re-encrypted with the first key, under a new name; None when the
    file already is. The caller points its row at the copy, then deletes the old file, so a crash
    at any moment leaves one readable file for every row."""
    with default_storage.open(name, "rb") as handle:
        rotated = rotate_bytes(handle.read())
    if rotated is None:
        return None
    folder = name.rsplit("/", 1)[0]
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.bin", ContentFile(rotated))
