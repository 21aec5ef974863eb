import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create


@pytest.fixture
def api():
    """An API client with no credentials."""
    return APIClient()


def token_for(user, *, name: str = "script", days: int | None = None) -> str:
    return api_token_create(user=user, name=name, days=days)[1]


@pytest.fixture
def api_as():
    """`api_as(user)`: an API client sending a fresh personal token of `user`."""

    def client(user, **token_options):
        api_client = APIClient()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, **token_options)}")
        return api_client

    return client
