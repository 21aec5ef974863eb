import pytest


@pytest.fixture(scope="session", autouse=True)
def allow_database_access_beside_playwright():
    # Playwright's sync API runs an event loop in the test thread, which Django would otherwise
    # take for async code (the database flush between tests included). Browser tests run last
    # (tests/conftest.py), so no other test, nor any subprocess it starts, sees this variable.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {**browser_type_launch_args, "executable_path": chromium_path}


@pytest.fixture
def watched_page(page, live_server):
    """A page that records console errors, page errors and every host it asks for."""
    page.errors = []
    page.hosts = set()
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.context.on("request", lambda request: page.hosts.add(request.url.split("/")[2].split(":")[0]))
    return page


@pytest.fixture(autouse=True)
def seed_data(transactional_db):
    """Browser tests need committed data, so the database is flushed after each one, and with it
    what the data migrations seeded. Run those migrations' own functions again."""
    import importlib

    from django.apps import apps

    from intake.models import FieldOffice

    if not FieldOffice.objects.exists():
        importlib.import_module("intake.migrations.0002_load_field_offices").load(apps, None)
    importlib.import_module("accounts.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("surveys.migrations.0003_seed_body_cameras").seed(apps, None)
