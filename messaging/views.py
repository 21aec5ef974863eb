from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.services import inbound_receive, outbound_status_update
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


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """SMS and WhatsApp messages. Stored once per MessageSid; answered at once with TwiML."""
    if not twilio_signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    sid = request.POST.get("MessageSid", "")
    sender = request.POST.get("From", "")
    if not sid or not sender or len(sid) > 64 or len(sender) > 320:
        return HttpResponseBadRequest("MessageSid and From are required")
    try:
        count = min(int(request.POST.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = [
        {
            "url": request.POST.get(f"MediaUrl{n}", "")[:500],
            "content_type": request.POST.get(f"MediaContentType{n}", "")[:100],
        }
        for n in range(count)
    ]
    inbound_receive(
        channel="whatsapp" if sender.startswith("whatsapp:") else "sms",
        provider_id=sid,
        from_address=sender,
        body=request.POST.get("Body", ""),
        media=media,
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
