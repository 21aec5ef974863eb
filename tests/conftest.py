"""Shared fixtures: named people built through the services, and the real services tests need.

A test that needs PostgreSQL, Redis, a Celery worker or Chromium skips with the reason when it is
missing; with REQUIRE_SERVICES=1 (CI) any skip is reported as a failure instead.
"""

import os
import shutil
from pathlib import Path

import pytest
import redis as redis_lib
from django.db import connection

from accounts import roles
from tests.factories import OrganizationFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REQUIRE_SERVICES=1, which allows no skip: {report.longrepr}"


def pytest_collection_modifyitems(config, items):
    # Playwright's session-wide event loop stays in the main thread once started, and Django then
    # refuses database access from it: browser tests go last.
    items.sort(key=lambda item: "/e2e/" in str(item.path))


def redis_available(url: str = TEST_REDIS_URL) -> bool:
    try:
        return bool(redis_lib.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis_lib.RedisError:
        return False


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/voces")


@pytest.fixture(scope="session")
def redis_url():
    if not redis_available():
        pytest.skip(f"needs Redis at {TEST_REDIS_URL} (set TEST_REDIS_URL)")
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def msgfmt():
    path = shutil.which("msgfmt")
    if path is None:
        pytest.skip("needs GNU gettext (apt-get install gettext)")
    return path


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Gulf Coast Legal Aid", slug="gulf-coast")


@pytest.fixture
def advocate(organization):
    return UserFactory(username="ana", role=roles.ADVOCATE, organization=organization)


@pytest.fixture
def liaison(db):
    return UserFactory(username="luis", role=roles.LIAISON)


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sara", role=roles.SUPERVISOR)


@pytest.fixture
def auditor(db):
    return UserFactory(username="omar", role=roles.AUDITOR)


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache may be a shared Redis (CI): every test starts from an empty one, and from pages
    rendered afresh (a test may change the settings they show)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


def reseed() -> None:
    """What the data migrations seeded (field offices, roles), again where a flush removed it."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts import roles
    from intake.models import FieldOffice

    if not FieldOffice.objects.exists():
        importlib.import_module("intake.migrations.0002_load_field_offices").load(apps, None)
    if Group.objects.filter(name__in=roles.ALL).count() < len(roles.ALL):
        importlib.import_module("accounts.migrations.0002_roles").create_roles(apps, None)
        importlib.import_module("accounts.migrations.0003_admin_role").create_admin_role(apps, None)


@pytest.fixture(autouse=True)
def seeded_after_flush(request):
    """A transactional test flushes the database after it, and with it what the data migrations
    seeded: every later transactional test gets it back before its own fixtures run."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        reseed()
    yield


@pytest.fixture(autouse=True)
def fresh_field_offices():
    """Field offices are cached per process for a minute; each test sees its own database's."""
    from intake.selectors import field_offices_forget

    field_offices_forget()
    yield
    field_offices_forget()


@pytest.fixture
def body_cameras(db):
    """The seeded survey "Body cameras and your community" (migration surveys 0003), seeded
    again when a transactional test flushed it."""
    import importlib

    from django.apps import apps

    from surveys.models import Survey

    if not Survey.objects.filter(slug="body-cameras").exists():
        importlib.import_module("surveys.migrations.0003_seed_body_cameras").seed(apps, None)
    return Survey.objects.get(slug="body-cameras")


@pytest.fixture(autouse=True)
def statistics_up_to_now(settings):
    """Tests count the complaints they have just made (production counts whole months only)."""
    settings.TRANSPARENCY_DATA_THROUGH = "now"


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a request in another language (the test client
    runs in this thread) would otherwise leave its language active for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", role=roles.ADMIN)


def staff_login(client, user):
    """Signs `user` in on `client` as the staff sign-in does after the second factor: a TOTP
    device (created once), and the session marked verified with it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff_client(client):
    """`staff_client(user)` returns the test client signed in as that staff member, with the
    second factor given."""

    def login(user):
        return staff_login(client, user)

    return login


def sign_in(client, user):
    """Signs `user` in as they would: staff with their second factor, anyone else with a password."""
    from accounts.policy import is_staff_member

    if is_staff_member(user):
        return staff_login(client, user)
    client.force_login(user)
    return client
