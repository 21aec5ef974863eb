"""Idempotency-Key on POST (accounts.api.idempotent): a repeat gets the first answer and does
nothing again; another body under the same key is refused; each person's keys are their own.

The endpoint is a tiny one made for these tests (it makes an organisation), served beside the
project's URLs, so that what is counted is exactly one handler's work."""

import json
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import idempotent
from accounts.models import IdempotencyRecord, Organization
from accounts.services import idempotency_key_stored, idempotency_purge, organization_create
from accounts.tasks import idempotency_purge_task
from config import urls as project_urls
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.test_idempotency")]

URL = "/api/v1/test-organizations/"


class OrganizationIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)


class OrganizationCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @idempotent
    def post(self, request):
        data = OrganizationIn(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_create(name=data.validated_data["name"], slug=secrets.token_hex(6))
        return Response({"id": organization.pk, "name": organization.name}, status=201)


urlpatterns = [path(URL.lstrip("/"), OrganizationCreateView.as_view()), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def send(client, body, key: str | None = "key-1", raw: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    content = raw if raw is not None else json.dumps(body)
    return client.post(URL, content, content_type="application/json", **headers)


def made(name: str) -> int:
    return Organization.objects.filter(name=name).count()


def test_it_answers_a_repeat_with_the_first_answer_and_does_the_work_once(api_as, advocate):
    client = api_as(advocate)
    first = send(client, {"name": "Casa Once"})
    again = send(client, {"name": "Casa Once"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert made("Casa Once") == 1


def test_it_replays_the_same_json_written_another_way(api_as, advocate):
    client = api_as(advocate)
    first = send(client, None, raw='{"name": "Casa Once"}')
    again = send(client, None, raw='{\n  "name":"Casa Once"\n}')
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and made("Casa Once") == 1


def test_it_refuses_the_same_key_with_another_body(api_as, advocate):
    client = api_as(advocate)
    send(client, {"name": "Casa Uno"})
    other = send(client, {"name": "Casa Dos"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_mismatch"
    assert made("Casa Dos") == 0


def test_the_same_key_from_another_person_is_theirs(api_as, advocate, organization):
    colleague = UserFactory(username="beto", role="advocate", organization=organization)
    first = send(api_as(advocate), {"name": "Casa Compartida"})
    second = send(api_as(colleague), {"name": "Casa Compartida"})
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second and first.json() != second.json()
    assert made("Casa Compartida") == 2


def test_another_token_of_the_same_person_gets_the_first_answer(api_as, advocate):
    first = send(api_as(advocate, name="laptop"), {"name": "Casa Dos Fichas"})
    again = send(api_as(advocate, name="server"), {"name": "Casa Dos Fichas"})
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


@pytest.mark.parametrize("key", ["", "k" * 256, "clé-1", "tab\there"])
def test_it_refuses_a_key_that_is_empty_too_long_or_not_plain(api_as, advocate, key):
    response = send(api_as(advocate), {"name": "Casa Clave"}, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key"
    assert made("Casa Clave") == 0


def test_a_key_of_255_characters_is_taken(api_as, advocate):
    response = send(api_as(advocate), {"name": "Casa Larga"}, key="k" * 255)
    assert response.status_code == 201


def test_without_a_key_each_post_does_the_work(api_as, advocate):
    client = api_as(advocate)
    send(client, {"name": "Casa Sin Clave"}, key=None)
    send(client, {"name": "Casa Sin Clave"}, key=None)
    assert made("Casa Sin Clave") == 2 and not IdempotencyRecord.objects.exists()


def test_a_refused_request_keeps_nothing_so_the_key_can_be_sent_again_fixed(api_as, advocate):
    client = api_as(advocate)
    refused = send(client, {"name": ""})
    assert refused.status_code == 400 and not IdempotencyRecord.objects.exists()
    fixed = send(client, {"name": "Casa Arreglada"})
    assert fixed.status_code == 201 and made("Casa Arreglada") == 1


def test_a_body_that_is_not_json_is_refused_before_any_record(api_as, advocate):
    response = send(api_as(advocate), None, raw="{not json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    assert not IdempotencyRecord.objects.exists()


def test_the_key_is_free_again_after_the_hours_it_is_kept(api_as, advocate, settings):
    client = api_as(advocate)
    send(client, {"name": "Casa Vieja"})
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS, minutes=1)
    )
    later = send(client, {"name": "Casa Nueva"})
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert made("Casa Nueva") == 1


def test_the_answer_is_kept_encrypted(api_as, advocate):
    send(api_as(advocate), {"name": "Casa Secreta Zafiro"})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT response_body FROM {IdempotencyRecord._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()
    assert "Zafiro" not in str(stored)
    assert IdempotencyRecord.objects.get().response_status == 201


def test_the_purge_deletes_only_records_older_than_the_hours_kept(api_as, advocate, settings):
    client = api_as(advocate)
    send(client, {"name": "Casa A"}, key="old")
    send(client, {"name": "Casa B"}, key="new")
    IdempotencyRecord.objects.filter(key=idempotency_key_stored("old")).update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1)
    )
    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [idempotency_key_stored("new")]
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1))
    assert idempotency_purge_task.delay().get() == 1
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_on_another_endpoint_is_another_request(api_as, advocate):
    client = api_as(advocate)
    send(client, {"name": "Casa Ruta"})
    elsewhere = client.post(f"{URL}?copy=1", {"name": "Casa Ruta"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert elsewhere.status_code == 422
