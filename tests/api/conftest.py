import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create


@pytest.fixture
def api():
    """An API client with no credentials."""
    return APIClient()


def with_second_factor(user):
    """A staff member's token works only while they have a confirmed authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.policy import is_staff_member

    if is_staff_member(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def token_for(user, *, name: str = "script", days: int | None = None) -> str:
    return api_token_create(user=with_second_factor(user), name=name, days=days)[1]


@pytest.fixture
def api_as():
    """`api_as(user)`: an API client sending a fresh personal token of `user`."""

    def client(user, **token_options):
        api_client = APIClient()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, **token_options)}")
        return api_client

    return client
