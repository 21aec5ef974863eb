"""The schema class of the API (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS). Apart from core.api, which
DRF's settings import while rest_framework.generics is loading, as drf_spectacular.openapi needs
rest_framework.generics whole."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

from core.api import DESCRIBED, IDEMPOTENCY_HEADER, ErrorSerializer


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, plus the error answers any operation of this shape can give, so that no
    answer is undocumented: 401/403/429 always; 404 with a path parameter or a cursor; 400 with
    query parameters, a body or an Idempotency-Key; 415 with a body; 409 and 422 with an
    Idempotency-Key."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = [p for p in operation.get("parameters", []) if "in" in p]
        has_body = "requestBody" in operation
        codes = {401, 403, 429}
        if any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "cursor") for p in parameters):
            codes.add(404)
        if has_body or any(p["in"] == "query" for p in parameters):
            codes.add(400)
        if has_body:
            codes.add(415)
        if any(p["in"] == "header" and p["name"] == IDEMPOTENCY_HEADER for p in parameters):
            # a key that is not 1 to 255 plain characters; the first request with the key still
            # running; the key used with another body
            codes |= {400, 409, 415, 422}  # 415: the body is read to compare it
        responses = operation["responses"]
        for code in sorted(codes):
            if str(code) not in responses:
                response = OpenApiResponse(ErrorSerializer, description=DESCRIBED[code])
                responses[str(code)] = self._get_response_for_code(response, str(code))
        return operation
