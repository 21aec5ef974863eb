from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import RequestValidator


def twilio_signature_valid(request: HttpRequest) -> bool:
    """Whether a webhook request was signed by Twilio with our auth token.

    The URL is rebuilt from PUBLIC_BASE_URL: behind a proxy, the host and scheme Django sees are
    not the ones Twilio signed.
    """
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not token or not signature:
        return False
    # path_info, not the full path: PUBLIC_BASE_URL already carries any prefix the site is under.
    query = request.META.get("QUERY_STRING", "")
    url = f"{settings.PUBLIC_BASE_URL}{request.path_info}" + (f"?{query}" if query else "")
    return RequestValidator(token).validate(url, request.POST, signature)
