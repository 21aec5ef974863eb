from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from privacy.fields import EncryptedTextField


class User(AbstractUser):
    preferred_language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # Failed sign-ins in a row, and until when the account is locked after too many.
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("access_staff_site", "Can use the staff site"),
            ("reveal_pii", "Can reveal a filer's personal details, with a reason"),
            ("assign_cases", "Can assign complaints and footage requests"),
            ("approve_release", "Can approve a footage release as second reviewer"),
            ("manage_retention", "Can manage retention and purges"),
            ("view_audit_log", "Can read the audit log"),
            ("file_on_behalf", "Can file a complaint on behalf of a person, with consent"),
            ("run_surveys", "Can run surveys and enter paper responses"),
        ]


class Organization(TimeStampedModel):
    """An advocacy group, legal-aid office or community organisation that uses Voces."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        COORDINATOR = "coordinator", _("Coordinator")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class ApiToken(models.Model):
    """A personal API token. The whole token is shown once; only its SHA-256 is kept (a token has
    256 bits of chance, so no slow hash is needed) and its prefix, which people and the lookup use
    to recognise it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    # The account's roles when the token was made: a token never carries roles given later.
    roles = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, kept for a day: the same key and
    body again get this answer back, and nothing is done twice. The row is written before the work,
    in the same transaction, so a concurrent repeat waits on the unique key and then reads it. The
    answer may hold a receipt number: it is encrypted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)  # a keyed hash of the client's key
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and body
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
