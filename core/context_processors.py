from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import get_language, get_language_info, override

from core.logging import DRAFT_TOKEN


def _query(request) -> str:
    return f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""


def _is_draft_page(request) -> bool:
    # Pages of one draft: not worth remembering, and their tokens must not linger in memory.
    return bool(DRAFT_TOKEN.search(request.path_info))


def _switcher_urls(request) -> dict[str, str]:
    if _is_draft_page(request):
        return _urls_for(request.path_info, _query(request))
    return _remembered_urls(request.path_info, _query(request))


@lru_cache(maxsize=512)
def _remembered_urls(path: str, query: str) -> dict[str, str]:
    return _urls_for(path, query)


def _urls_for(path: str, query: str) -> dict[str, str]:
    """The page in every language: resolved once, reversed per language (Django's translate_url
    would resolve the path again for each of the ten)."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    urls = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            try:
                urls[code] = reverse(match.view_name, args=match.args, kwargs=match.kwargs) + query if match else ""
            except NoReverseMatch:
                urls[code] = ""
            if not urls[code]:
                urls[code] = reverse("core:home")
    return urls


def site(request):
    current = get_language()
    urls = _switcher_urls(request)
    languages = [
        {
            "code": code,
            "name_local": get_language_info(code)["name_local"],
            "url": urls[code],
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]
    return {
        "site_languages": languages,
        # Key of the page's header in the "pages" cache (base.html); none for a draft's pages or a query.
        "chrome_key": "" if _is_draft_page(request) or _query(request) else request.path_info,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "voces_sms_number": settings.VOCES_SMS_NUMBER,
        "voces_voice_number": settings.VOCES_VOICE_NUMBER,
        "voces_whatsapp_number": settings.VOCES_WHATSAPP_NUMBER,
    }
