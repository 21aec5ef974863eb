"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES; apart from core.api, which
DRF's settings cannot import while rest_framework.views is loading)."""

import json

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's, with a body nested thousands deep (Python's parser recurses) or holding a lone
    surrogate a parse error too."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            # A lone surrogate ("\ud800") is valid JSON but no text: it could not even be said
            # back in an error message.
            json.dumps(data, ensure_ascii=False).encode()
        except (RecursionError, UnicodeEncodeError):
            raise exceptions.ParseError(code="parse_error") from None
        return data
