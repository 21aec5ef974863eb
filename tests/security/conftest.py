import pytest


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    """Every person these tests sign in is made with a fast hasher: hashing is not what is
    tested here, and the slow one costs a second a person on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
