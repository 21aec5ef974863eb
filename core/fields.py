"""The translated-text fields for content staff edit (survey questions, message templates).

They are django-i18nfield's: a JSON object of language code to text, read back in the active
language with a fallback to the default one. They store JSON text, so never filter on them.
"""

from i18nfield.fields import I18nCharField, I18nTextField
from i18nfield.strings import LazyI18nString

__all__ = ("I18nCharField", "I18nTextField", "LazyI18nString")
