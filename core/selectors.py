import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def health_state() -> dict[str, str]:
    """The state of each shared engine: ok, error, or (for the broker) eager when there is none."""
    state = {"database": "ok", "cache": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("health check: database unreachable")
        state["database"] = "error"
    try:
        cache.set("healthz", "1", 10)
        if cache.get("healthz") != "1":
            raise RuntimeError("cache did not return what was stored")
    except Exception:
        logger.exception("health check: cache unreachable")
        state["cache"] = "error"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        state["broker"] = "eager"
    else:
        try:
            with current_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
        except Exception:
            logger.exception("health check: broker unreachable")
            state["broker"] = "error"
    return state
