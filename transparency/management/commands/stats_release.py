from django.core.management.base import BaseCommand

from transparency import services


class Command(BaseCommand):
    help = "Count, suppress and publish today's public statistics (what the daily beat job does)."

    def handle(self, *args, **options):
        release = services.release_build()
        self.stdout.write(f"Published statistics {release.version}: {release.figures}")
