"""Personal API tokens at the API's door (accounts.authentication): what works, what is refused
and with which message, and the staff web session, which counts only after the second factor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from privacy.models import AuditEvent
from tests.api.conftest import with_second_factor
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def refusal(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_a_new_token_works_and_says_who_is_calling(advocate):
    token, raw = api_token_create(user=advocate, name="survey script", days=30)
    response = bearer(raw).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ana" and body["roles"] == ["advocate"]
    assert body["organization"]["slug"] == "gulf-coast"
    assert body["token"]["name"] == "survey script" and body["token"]["prefix"] == token.prefix
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_token_starts_with_its_prefix_which_is_how_it_is_found(advocate):
    token, raw = api_token_create(user=advocate, name="script")
    assert raw.startswith(f"vcs_{token.prefix}_") and len(token.prefix) == 8
    assert len(raw) == len("vcs_") + 8 + 1 + 43


def stored_text(model) -> str:
    """Every column of every row of `model`'s table, as the database holds it."""
    columns = [f.column for f in model._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table}")  # noqa: S608
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_only_a_hash_of_the_token_is_stored(advocate):
    token, raw = api_token_create(user=advocate, name="script")
    secret = raw.rsplit("_", 1)[1]
    stored = stored_text(ApiToken)
    assert token.prefix in stored and token.key_hash in stored
    assert raw not in stored and secret[:12] not in stored
    assert AuditEvent.objects.filter(action="api_token.created").exists()
    assert secret[:12] not in stored_text(AuditEvent)


def test_an_expired_token_is_refused_with_its_own_message(advocate):
    token, raw = api_token_create(user=advocate, name="script")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(raw).get(ME)
    assert refusal(response) == (
        401,
        "authentication_failed",
        "This token has expired. Make a new one on the website.",
    )
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_revoked_on_the_web_page_is_refused_at_once(advocate, client):
    token, raw = api_token_create(user=advocate, name="script")
    api = bearer(raw)
    assert api.get(ME).status_code == 200
    client.force_login(advocate)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert refusal(api.get(ME))[:3] == (
        401,
        "authentication_failed",
        "This token was revoked. Make a new one on the website.",
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # the secret changed, prefix kept
        lambda raw: raw[:-2],  # cut short
        lambda raw: raw + "x",
        lambda raw: raw.replace("vcs_", "VCS_"),
        lambda raw: raw.split("_", 2)[0] + "_" + raw.split("_", 2)[1],  # the prefix alone
        lambda raw: "vcs_00000000_" + raw.rsplit("_", 1)[1][-43:],  # someone else's prefix
    ],
)
def test_a_tampered_token_is_not_valid(advocate, tamper):
    _token, raw = api_token_create(user=advocate, name="script")
    response = bearer(tamper(raw)).get(ME)
    assert refusal(response) == (401, "authentication_failed", "This token is not valid.")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer vcs_abcdef01_\x00" + "a" * 42,
        "Bearer vcs_ab\u00e9cdef01_" + "a" * 43,
        "bearer " + "x" * 5000,
    ],
)
def test_a_malformed_header_is_a_401_never_a_500(advocate, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_another_scheme_is_not_ours_and_asks_for_credentials(api):
    api.credentials(HTTP_AUTHORIZATION="Basic YW5hOnB3")
    response = api.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_token_of_a_deactivated_account_is_refused(advocate):
    _token, raw = api_token_create(user=advocate, name="script")
    advocate.is_active = False
    advocate.save(update_fields=["is_active"])
    assert refusal(bearer(raw).get(ME)) == (401, "authentication_failed", "This token is not valid.")


def test_a_staff_token_works_without_any_session(liaison):
    _token, raw = api_token_create(user=with_second_factor(liaison), name="export")
    client = bearer(raw)
    response = client.get(ME)
    assert response.status_code == 200 and response.json()["roles"] == ["liaison"]
    assert "sessionid" not in response.cookies


def test_a_staff_session_without_the_second_factor_is_no_sign_in_for_the_api(client, liaison):
    client.force_login(liaison)  # a password only
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_authenticated"
    # ...while the website sends the same session to the second factor.
    assert client.get(reverse("staff:queue")).status_code == 302


def test_a_staff_session_with_the_second_factor_is_signed_in(client, liaison):
    staff_login(client, liaison)
    response = client.get(ME)
    assert response.status_code == 200 and response.json()["token"] is None


def test_a_session_post_without_its_csrf_token_is_refused_in_the_api_shape(liaison):
    client = APIClient(enforce_csrf_checks=True)
    staff_login(client, liaison)
    response = client.post(ME, {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_the_idle_timeout_still_signs_staff_out_on_an_api_request(client, liaison, settings):
    from accounts.middleware import LAST_SEEN_KEY

    staff_login(client, liaison)
    session = client.session
    session[LAST_SEEN_KEY] = int(timezone.now().timestamp()) - settings.STAFF_IDLE_MINUTES * 60 - 5
    session.save()
    assert client.get(ME).status_code == 401
    assert client.get(ME).status_code == 401  # signed out for good, not for one request


def test_refused_tokens_count_against_the_clients_anonymous_allowance(api, settings):
    settings.API_RATE_ANONYMOUS = "3/h"
    api.credentials(HTTP_AUTHORIZATION="Bearer vcs_00000000_" + "a" * 43)
    codes = [api.get(ME).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_token_stops_when_its_accounts_roles_change(api, advocate):
    """An advocate's token must never become a staff token, with no second factor, when the
    account is later given a staff role; nor keep working after a role is taken away."""
    from django.contrib.auth.models import Group

    from accounts import roles

    _token, raw = api_token_create(user=advocate, name="script")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    advocate.groups.add(Group.objects.get(name=roles.LIAISON))
    advocate = type(advocate).objects.get(pk=advocate.pk)  # roles are cached on the instance
    answer = api.get("/api/v1/staff/complaints/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "authentication_failed"
    assert api.get("/api/v1/me/").status_code == 401


def test_a_staff_token_stops_when_its_second_factor_is_removed(api, liaison):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _token, raw = api_token_create(user=with_second_factor(liaison), name="tool")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/staff/complaints/").status_code == 200
    TOTPDevice.objects.filter(user=liaison).delete()
    assert api.get("/api/v1/staff/complaints/").status_code == 401


def test_an_account_has_a_bounded_number_of_working_tokens(advocate, settings):
    from core.errors import ApplicationError

    settings.API_TOKENS_PER_USER = 3
    for n in range(3):
        api_token_create(user=advocate, name=f"t{n}")
    with pytest.raises(ApplicationError) as refused:
        api_token_create(user=advocate, name="one too many")
    assert refused.value.code == "too_many"
