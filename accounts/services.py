import hashlib
import hmac
import math
import re
import secrets
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.models import ApiToken, IdempotencyRecord, Membership, Organization, User
from accounts.policy import is_staff_member
from core.errors import ApplicationError
from privacy.crypto import blind_index
from privacy.services import audit_record


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str,
    organization: Organization | None = None,
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
) -> User:
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
        is_staff=role in roles.STAFF,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    if organization is not None:
        Membership.objects.create(user=user, organization=organization)
    return user


def organization_create(*, name: str, slug: str, city: str = "", state: str = "") -> Organization:
    organization = Organization(name=name, slug=slug, city=city, state=state)
    organization.full_clean()
    organization.save()
    return organization


# --- the staff area's sign-in: password, lockout, second factor ---

RECOVERY_DEVICE_NAME = "recovery"
RECOVERY_CODE_COUNT = 10


def staff_is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or timezone.now())


def staff_locked_message(user: User, now: datetime | None = None) -> str:
    seconds = (user.locked_until - (now or timezone.now())).total_seconds() if user.locked_until else 0
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "This account is locked after too many failed attempts. Try again in %(minutes)d minute.",
        "This account is locked after too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def staff_login_failed(user: User, *, reason: str) -> bool:
    """Counts one wrong password or code; True when this one locked the account.

    Both statements are single UPDATEs, so concurrent failures are all counted and only one of
    them locks (the second UPDATE re-checks its condition on the row it waited for)."""
    now = timezone.now()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        locked = bool(
            User.objects.filter(pk=user.pk, failed_logins__gte=settings.STAFF_LOCKOUT_FAILURES).update(
                failed_logins=0, locked_until=now + timedelta(minutes=settings.STAFF_LOCKOUT_MINUTES)
            )
        )
        audit_record(actor=user, action="staff.sign_in_failed", obj=user, data={"reason": reason})
        if locked:
            audit_record(actor=user, action="staff.locked", obj=user, data={"minutes": settings.STAFF_LOCKOUT_MINUTES})
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    return locked


def staff_login_succeeded(user: User) -> None:
    User.objects.filter(pk=user.pk).filter(Q(failed_logins__gt=0) | Q(locked_until__isnull=False)).update(
        failed_logins=0, locked_until=None
    )
    user.failed_logins, user.locked_until = 0, None


def staff_authenticate(*, request, username: str, password: str) -> User:
    """The password step. Every refusal but the lock reads the same, so the page never tells
    whether an account exists or which role it has."""
    invalid = ApplicationError(
        gettext("The username or password is not right, or this account cannot use the staff area."),
        code="invalid",
    )
    candidate = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    if candidate is not None and is_staff_member(candidate) and staff_is_locked(candidate):
        audit_record(actor=candidate, action="staff.sign_in_failed", obj=candidate, data={"reason": "locked"})
        raise ApplicationError(staff_locked_message(candidate), code="locked")
    user = authenticate(request, username=username, password=password)
    if user is None or not is_staff_member(user):
        if candidate is None:
            audit_record(action="staff.sign_in_failed", data={"reason": "unknown"})
        elif not is_staff_member(candidate):
            audit_record(actor=candidate, action="staff.sign_in_failed", obj=candidate, data={"reason": "not_staff"})
        elif staff_login_failed(candidate, reason="password"):
            raise ApplicationError(staff_locked_message(candidate), code="locked")
        raise invalid
    return user


def staff_totp_devices(user: User):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def _normalised_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def staff_verify_code(*, user: User, code: str) -> Device:
    """The second factor: a current TOTP code or one unused recovery code. A wrong one counts
    towards the lockout; one refused only by django-otp's short throttle does not."""
    if staff_is_locked(user):
        raise ApplicationError(staff_locked_message(user), code="locked")
    code = _normalised_code(code)
    if code.isdigit() and len(code) == 6:
        devices = list(staff_totp_devices(user))
    elif code.isalnum() and len(code) <= 16:
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    else:
        devices = []
    waiting = [device for device in devices if not device.verify_is_allowed()[0]]
    if devices and len(waiting) == len(devices):
        raise ApplicationError(
            gettext("Too many wrong codes in a short time. Wait a few seconds and try again."), code="throttled"
        )
    for device in devices:
        if device not in waiting and django_otp.verify_token(user, device.persistent_id, code):
            staff_login_succeeded(user)
            method = "recovery_code" if isinstance(device, StaticDevice) else "totp"
            audit_record(actor=user, action="staff.signed_in", obj=user, data={"method": method})
            return device
    if staff_login_failed(user, reason="code"):
        raise ApplicationError(staff_locked_message(user), code="locked")
    raise ApplicationError(gettext("That code is not right. Check it and try again."), code="invalid")


def staff_two_factor_device(*, user: User, device_id: int | None = None) -> TOTPDevice:
    """The authenticator being set up in this session (`device_id`, kept in the session), or a
    new one. Another session's unconfirmed device is never shown again: deleted, so that someone
    who knows only the password cannot copy the secret the owner is about to scan."""
    if device_id is not None:
        device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
        if device is not None:
            return device
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def staff_recovery_codes_create(*, user: User, count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """New recovery codes; the earlier ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device = StaticDevice.objects.select_for_update().get(pk=device.pk)  # one renewal at a time
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(count)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def staff_two_factor_confirm(
    *, user: User, device_id: int, code: str, signing_in: bool
) -> tuple[TOTPDevice, list[str]]:
    """Confirms the authenticator being set up with a current code from it; it replaces any
    earlier one. Returns the device and the new recovery codes, to be shown once. `signing_in`:
    this completes a sign-in (the first setup) rather than a move to a new phone."""
    if staff_is_locked(user):
        raise ApplicationError(staff_locked_message(user), code="locked")
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise ApplicationError(gettext("This setup has expired. Start again."), code="stale")
    code = _normalised_code(code)
    if not device.verify_is_allowed()[0]:
        raise ApplicationError(
            gettext("Too many wrong codes in a short time. Wait a few seconds and try again."), code="throttled"
        )
    if not (code.isdigit() and len(code) == 6 and django_otp.verify_token(user, device.persistent_id, code)):
        if staff_login_failed(user, reason="enrolment_code"):
            raise ApplicationError(staff_locked_message(user), code="locked")
        raise ApplicationError(gettext("That code is not right. Check it and try again."), code="invalid")
    with transaction.atomic():
        others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
        replaced = others.filter(confirmed=True).exists()
        others.delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = staff_recovery_codes_create(user=user)
        staff_login_succeeded(user)
        audit_record(actor=user, action="staff.two_factor_enrolled", obj=user, data={"replaced": replaced})
        if signing_in:
            audit_record(actor=user, action="staff.signed_in", obj=user, data={"method": "enrolment"})
    return device, codes


def staff_recovery_codes_renew(*, user: User) -> list[str]:
    with transaction.atomic():
        codes = staff_recovery_codes_create(user=user)
        audit_record(actor=user, action="staff.recovery_codes_renewed", obj=user)
    return codes


def staff_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


# --- API tokens ---

TOKEN_PREFIX = "vcs_"  # noqa: S105 (the tokens' visible start, not a secret)
# vcs_, 8 hex digits (the prefix people see and the lookup uses), _, 43 characters of base64url.
TOKEN_FORMAT = re.compile(r"vcs_([0-9a-f]{8})_[A-Za-z0-9_-]{43}")


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, and its full text, which is never available again."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ApplicationError(
            gettext("A token can last from 1 to %(days)s days.") % {"days": settings.API_TOKEN_MAX_DAYS},
            code="days",
        )
    name = name.strip()
    if not name:
        raise ApplicationError(gettext("Give the token a name, so you know where it is used."), code="name")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    if active >= settings.API_TOKENS_PER_USER:
        raise ApplicationError(
            gettext("You have %(count)s tokens that work. Revoke one you no longer use first.") % {"count": active},
            code="too_many",
        )
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        key_hash=_token_hash(raw),
        roles=_roles_text(user),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(actor=user, action="api_token.created", obj=token, reference=prefix, data={"days": days})
    return token, raw


def _roles_text(user: User) -> str:
    return ",".join(sorted(roles.user_roles(user)))


def api_token_check(*, raw: str, now: datetime) -> tuple[ApiToken | None, str]:
    """(token, "") for a usable token; (None, "expired" / "revoked" / "roles" / "invalid")
    otherwise. A token stops when its account's roles change (an advocate's token must never
    become a staff one), and a staff token works only while its account has a second factor.
    The token's last use is written at most every five minutes."""
    match = TOKEN_FORMAT.fullmatch(raw)
    if match is None:  # nothing else is looked up (nor a NUL byte sent to the database)
        return None, "invalid"
    prefix = match.group(1)
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _token_hash(raw)):
        return None, "invalid"
    if token.revoked_at is not None:
        return None, "revoked"
    if token.expires_at <= now:
        return None, "expired"
    if token.roles != _roles_text(token.user):
        return None, "roles"
    if is_staff_member(token.user) and not TOTPDevice.objects.filter(user=token.user, confirmed=True).exists():
        return None, "roles"
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, ""


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoked at once for every later request; twice is the same as once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=token, reference=token.prefix)
    return token


# --- idempotency of API POSTs ---


def idempotency_key_stored(key: str) -> str:
    return blind_index(key, purpose="idempotency-key")


def idempotency_begin(
    *, user: User, key: str, fingerprint: str
) -> tuple[IdempotencyRecord | None, IdempotencyRecord | None]:
    """Inside the caller's transaction: (a new record to finish, None), or (None, the earlier
    record) when the key was used within API_IDEMPOTENCY_HOURS. A concurrent request with the
    same key waits on the unique key until the first one commits, then reads its answer. The key
    is kept as a keyed hash: a partner's own record id may name a person."""
    key = idempotency_key_stored(key)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint), None
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if earlier is None:
                continue  # purged in between
            if earlier.created_at < timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS):
                earlier.delete()
                continue
            if earlier.response_status is not None:
                return None, earlier
            break  # unfinished work is never visible on PostgreSQL; on SQLite it may be
    raise ApplicationError(gettext("The first request with this key is still running."), code="stale")


def idempotency_finish(*, record: IdempotencyRecord, status: int, body: str) -> None:
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])


def idempotency_purge(*, now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
