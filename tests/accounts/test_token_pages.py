"""The web pages where people make and revoke their own API tokens (/account/tokens/), and the
admin's list where the admin role revokes anyone's."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from privacy.models import AuditEvent
from tests.conftest import staff_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = re.compile(r"vcs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def page(response) -> str:
    return response.content.decode()


def form_once(client) -> str:
    response = client.get(reverse("accounts:tokens"))
    return re.search(r'name="once" value="([^"]+)"', page(response)).group(1)


def make(client, name="Survey upload", days="90"):
    return client.post(reverse("accounts:tokens"), {"name": name, "days": days, "once": form_once(client)})


def test_signing_in_is_needed(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and reverse("accounts:sign_in") in response["Location"]


def test_an_account_that_is_neither_member_nor_staff_is_refused(client, organization):
    from accounts.models import Membership

    advocate = UserFactory(username="nadie", role="advocate", organization=organization)
    Membership.objects.filter(user=advocate).delete()
    advocate.groups.clear()
    client.force_login(advocate)
    assert client.get(reverse("accounts:tokens")).status_code == 403


def test_a_member_makes_a_token_that_is_shown_once_and_works(client, advocate):
    client.force_login(advocate)
    response = make(client)
    assert response.status_code == 200
    raw = TOKEN.search(page(response)).group(0)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=advocate)
    assert token.name == "Survey upload" and raw.startswith(f"vcs_{token.prefix}_")
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 90
    # Never again: not on the list, not in the session the browser keeps.
    listing = client.get(reverse("accounts:tokens"))
    assert TOKEN.search(page(listing)) is None and f"vcs_{token.prefix}…" in page(listing)
    assert all(raw not in str(s.get_decoded()) for s in Session.objects.all())
    api = client.__class__()
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_sending_the_form_again_makes_no_second_token(client, advocate):
    client.force_login(advocate)
    once = form_once(client)
    data = {"name": "Twice", "days": "30", "once": once}
    first = client.post(reverse("accounts:tokens"), data)
    again = client.post(reverse("accounts:tokens"), data)  # the browser's "send again"
    assert first.status_code == 200 and again.status_code == 302
    assert ApiToken.objects.filter(user=advocate).count() == 1
    assert TOKEN.search(page(client.get(again["Location"]))) is None


def test_a_lifetime_over_the_maximum_is_not_offered_nor_taken(client, advocate, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    settings.API_TOKEN_DAYS = 90
    client.force_login(advocate)
    shown = page(client.get(reverse("accounts:tokens")))
    assert 'value="90" selected' in shown and 'value="180"' not in shown
    refused = make(client, days="180")
    assert refused.status_code == 400 and not ApiToken.objects.exists()


def test_a_token_needs_a_name(client, advocate):
    client.force_login(advocate)
    assert make(client, name="   ").status_code == 400
    assert not ApiToken.objects.exists()


def test_the_list_shows_ones_own_tokens_only_with_their_state(client, advocate, organization):
    colleague = UserFactory(username="beto", role="advocate", organization=organization)
    api_token_create(user=colleague, name="Beto's script")
    mine, _raw = api_token_create(user=advocate, name="Current one")
    old, _raw = api_token_create(user=advocate, name="Old laptop")
    ApiToken.objects.filter(pk=old.pk).update(revoked_at=mine.created_at)
    client.force_login(advocate)
    shown = page(client.get(reverse("accounts:tokens")))
    assert "Current one" in shown and "Old laptop" in shown and "Beto" not in shown
    assert "Revoked on" in shown and "Active" in shown
    assert reverse("accounts:token_revoke", args=[mine.pk]) in shown
    assert reverse("accounts:token_revoke", args=[old.pk]) not in shown


def test_the_list_takes_the_same_queries_for_3_or_30_tokens(client, advocate, django_assert_max_num_queries, settings):
    settings.API_TOKENS_PER_USER = 40
    client.force_login(advocate)
    for n in range(3):
        api_token_create(user=advocate, name=f"t{n}")
    client.get(reverse("accounts:tokens"))  # the session and the site's header settle
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        client.get(reverse("accounts:tokens"))
    for n in range(27):
        api_token_create(user=advocate, name=f"u{n}")
    with django_assert_max_num_queries(len(three.captured_queries)):
        response = client.get(reverse("accounts:tokens"))
    assert page(response).count("<tr>") == 31


def test_revoking_asks_first_then_revokes_and_says_so(client, advocate):
    token, raw = api_token_create(user=advocate, name="Old script")
    client.force_login(advocate)
    confirm = client.get(reverse("accounts:token_revoke", args=[token.pk]))
    assert confirm.status_code == 200 and "cannot be undone" in page(confirm)
    token.refresh_from_db()
    assert token.revoked_at is None
    done = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None and "no longer works" in page(done)
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=advocate).count() == 1
    assert client.__class__().get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_revoking_needs_a_post_with_its_csrf_token(advocate):
    from django.test import Client

    token, _raw = api_token_create(user=advocate, name="script")
    client = Client(enforce_csrf_checks=True)
    client.force_login(advocate)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_token_is_not_found(client, advocate, organization, method):
    colleague = UserFactory(username="beto", role="advocate", organization=organization)
    theirs, _raw = api_token_create(user=colleague, name="theirs")
    client.force_login(advocate)
    response = getattr(client, method)(reverse("accounts:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    huge = getattr(client, method)(reverse("accounts:token_revoke", args=[10**30]))
    assert huge.status_code == 404


def test_staff_reach_the_page_only_after_the_second_factor(client, liaison):
    client.force_login(liaison)
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and reverse("staff:verify") in response["Location"]


def test_staff_see_the_page_in_the_staff_area_and_make_a_token(client, liaison):
    staff_login(client, liaison)
    shown = page(client.get(reverse("accounts:tokens")))
    assert "Voces staff" in shown and 'aria-current="page">API tokens' in shown
    response = make(client, name="Nightly export")
    raw = TOKEN.search(page(response)).group(0)
    api = client.__class__()
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").json()["roles"] == ["liaison"]


def test_the_work_pages_and_the_staff_area_link_to_the_tokens(client, advocate, supervisor):
    client.force_login(advocate)
    assert reverse("accounts:tokens") in page(client.get(reverse("surveys:work")))
    staff_login(client, supervisor)
    assert reverse("accounts:tokens") in page(client.get(reverse("staff:queue")))


def test_the_page_is_in_the_visitors_language(client, advocate):
    client.force_login(advocate)
    response = client.get(reverse("accounts:tokens").replace("/en/", "/es/"))
    assert response.status_code == 200 and '<html lang="es"' in page(response)


# --- the admin ---


def test_the_admin_role_revokes_anyones_token_in_the_admin(client, admin_user, advocate):
    token, raw = api_token_create(user=advocate, name="Leaked script")
    staff_login(client, admin_user)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200 and "Leaked script" in page(listing)
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert detail.status_code == 200
    for shown in (page(listing), page(detail)):
        assert token.key_hash not in shown and "key_hash" not in shown and raw not in shown
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "1 token revoked." in page(response)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=admin_user).exists()
    assert client.__class__().get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_the_admin_makes_no_tokens_and_deletes_none(client, admin_user, advocate):
    token, _raw = api_token_create(user=advocate, name="script")
    staff_login(client, admin_user)
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_delete", args=[token.pk])).status_code == 403


def test_other_staff_roles_do_not_see_tokens_in_the_admin(client, supervisor):
    staff_login(client, supervisor)
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403
