import uuid

from django.core.management.base import BaseCommand, CommandError

from core.tasks import ping


class Command(BaseCommand):
    help = "Send a ping task and wait for a Celery worker to answer it (needs CELERY_RESULT_BACKEND)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout, **options):
        token = uuid.uuid4().hex
        try:
            answer = ping.delay(token).get(timeout=timeout)
        except Exception as exc:
            raise CommandError(f"No worker answered within {timeout:g} s: {exc}") from exc
        if answer != f"pong:{token}":
            raise CommandError(f"Unexpected answer: {answer!r}")
        self.stdout.write(self.style.SUCCESS("A worker answered."))
