import secrets
from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.models import Organization, User
from accounts.services import organization_create, staff_recovery_codes_create, user_create
from intake.models import FieldOffice

DEMO_ORGANIZATION = {
    "name": "Gulf Coast Immigrant Legal Aid (demo)",
    "slug": "gulf-coast-demo",
    "city": "Houston",
    "state": "TX",
}
DEMO_USERS = [
    # username, role, belongs to the demo organisation
    ("demo-advocate", roles.ADVOCATE, True),
    ("demo-liaison", roles.LIAISON, False),
    ("demo-supervisor", roles.SUPERVISOR, False),
    ("demo-auditor", roles.AUDITOR, False),
    ("demo-admin", roles.ADMIN, False),
]


class Command(BaseCommand):
    help = "Load demo data (an organisation and one user per role). Safe to run again. Development only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DEBUG on: demo users must never reach a real deployment.")
        with transaction.atomic():
            organization = Organization.objects.filter(slug=DEMO_ORGANIZATION["slug"]).first()
            if organization is None:
                organization = organization_create(**DEMO_ORGANIZATION)
            lines = []
            for username, role, member in DEMO_USERS:
                # A fresh password on every run, printed here and nowhere else.
                password = secrets.token_urlsafe(12)
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = user_create(
                        username=username,
                        email=f"{username}@voces.localhost",
                        password=password,
                        role=role,
                        organization=organization if member else None,
                    )
                else:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                lines.append(f"  {role:<11} {username:<16} {password}")
                if role in roles.STAFF:
                    lines.extend(self.second_factor(user))
        self.stdout.write(f"Demo organisation: {organization.name}")
        self.stdout.write(f"ICE field offices loaded: {FieldOffice.objects.count()}")
        self.stdout.write("Demo users (role, username, password; demo only, new passwords on every run):")
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            "Staff sign in at /staff/sign-in/ with the password, then a code from an authenticator app given the"
            " TOTP key above (it stays the same across runs), or one of the recovery codes (new on every run)."
        )
        self.stdout.write(
            f"Twilio webhooks in development are checked against the auth token {settings.TWILIO_AUTH_TOKEN!r}."
        )

    def second_factor(self, user: User) -> list[str]:
        """The demo staff's authenticator key, kept across runs so an app set up once keeps
        working, and three fresh recovery codes."""
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
        codes = staff_recovery_codes_create(user=user, count=3)
        return [
            f"  {'':<11} {'':<16} TOTP key {b32encode(device.bin_key).decode()}",
            f"  {'':<11} {'':<16} recovery codes {' '.join(codes)}",
        ]
