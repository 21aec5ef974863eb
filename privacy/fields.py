from django.core import validators
from django.db import models

from privacy.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; read back as plain text.

    Ciphertext differs on every write, so lookups other than isnull can never match: they are
    refused. Find a row by an encrypted value through a blind index column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise NotImplementedError(f"{self.name} is encrypted: filter on its blind index, not on it")
        return super().get_lookup(lookup_name)


class EncryptedCharField(EncryptedTextField):
    """An encrypted short value: max_length bounds the plain text, not the stored token."""

    def __init__(self, *args, max_length: int = 255, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(validators.MaxLengthValidator(max_length))

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class EncryptedFileRefField(models.CharField):
    """The storage name of a file whose bytes are encrypted (privacy.files); rotation re-encrypts it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
