from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def site(request):
    current = get_language()
    languages = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        languages.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "url": translate_url(request.get_full_path(), code),
                "current": code == current,
            }
        )
    return {
        "site_languages": languages,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "voces_sms_number": settings.VOCES_SMS_NUMBER,
        "voces_voice_number": settings.VOCES_VOICE_NUMBER,
        "voces_whatsapp_number": settings.VOCES_WHATSAPP_NUMBER,
    }
