from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.services import outbound_status_update
from messaging.twilio import twilio_signature_valid


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery callbacks. Always 200 once signed, even for an unknown message, so Twilio stops."""
    if not twilio_signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    outbound_status_update(
        provider_id=request.POST.get("MessageSid", "")[:64],
        provider_status=request.POST.get("MessageStatus", "")[:32],
        error_code=request.POST.get("ErrorCode", "")[:8],
    )
    return HttpResponse(status=200)
