"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES; apart from core.api, which
DRF's settings cannot import while rest_framework.views is loading)."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's, with a body nested thousands deep (Python's parser recurses) a parse error too."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(code="parse_error") from None
