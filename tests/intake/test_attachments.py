import pytest
from django.db import connection

from intake.models import Attachment, Complaint, Draft
from intake.services import drafts_purge_expired
from privacy.files import encrypted_file_read
from tests import files
from tests.intake.helpers import VALID, post_step, start, submit, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return settings.MEDIA_ROOT


def on_story_step(client):
    token = start(client)
    for step in ["about", "what", "officers", "people"]:
        post_step(client, token, step, VALID[step])
    return token


def test_a_photo_is_kept_encrypted_without_gps_and_follows_the_complaint(client, media):
    photo = files.jpeg_with_gps()
    original = photo.read()
    photo.seek(0)
    token = walk(client, files=[photo, files.pdf()])
    submit(client, token)
    complaint = Complaint.objects.get()
    attachments = list(complaint.attachments.order_by("id"))
    assert [a.kind for a in attachments] == ["image", "document"]
    image = attachments[0]
    assert image.original_name == "photo.jpg"
    stored = (media / image.original_file).read_bytes()
    assert original not in stored and b"PhoneMaker" not in stored
    assert encrypted_file_read(image.original_file) == original
    assert b"PhoneMaker" not in encrypted_file_read(image.clean_file)
    assert image.draft_id is None


@pytest.mark.parametrize(
    "make,message",
    [
        (files.executable_as_jpg, "photo.jpg"),
        (files.svg, "drawing.svg"),
        (files.decompression_bomb, "bomb.png"),
    ],
)
def test_a_refused_file_is_named_and_the_answers_stay(client, make, message):
    token = on_story_step(client)
    data = {**VALID["story"], "files": [make()]}
    response = post_step(client, token, "story", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html
    assert "They pushed my door open" in html
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_without_being_kept(client, settings):
    settings.ATTACHMENT_MAX_FILE_BYTES = 1024 * 1024
    token = on_story_step(client)
    response = post_step(client, token, "story", {**VALID["story"], "files": [files.big(size=3 * 1024 * 1024)]})
    assert response.status_code == 200
    assert "long-video.mp4" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_request_bigger_than_a_whole_complaint_is_refused_before_it_is_read(client, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 1024
    token = on_story_step(client)
    response = post_step(client, token, "story", {**VALID["story"], "files": [files.big(size=3 * 1024 * 1024)]})
    assert response.status_code == 413
    assert 'lang="es"' in response.content.decode()


def test_all_files_together_have_a_limit(client, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 1024 * 1024 + 200_000
    token = on_story_step(client)
    post_step(client, token, "story", {**VALID["story"], "files": [files.big(size=1024 * 1024)]})
    response = post_step(client, token, "story", {**VALID["story"], "files": [files.big("second.mp4", 1024 * 1024)]})
    assert "second.mp4" in response.content.decode()
    assert Attachment.objects.count() == 1


def test_a_file_can_be_removed_before_sending(client):
    token = on_story_step(client)
    post_step(client, token, "story", {**VALID["story"], "files": [files.png()]})
    attachment = Attachment.objects.get()
    response = post_step(client, token, "story", {**VALID["story"], "remove_files": [str(attachment.pk)]})
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def test_abandoned_drafts_and_their_files_are_purged(client, media, django_capture_on_commit_callbacks):
    token = on_story_step(client)
    post_step(client, token, "story", {**VALID["story"], "files": [files.png()]})
    stored = Attachment.objects.get().original_file
    assert (media / stored).exists()
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        assert drafts_purge_expired(now=timezone.now() + timedelta(hours=25)) == 1
    assert not Draft.objects.exists()
    assert not Attachment.objects.exists()
    assert not (media / stored).exists()


def test_file_names_are_encrypted_in_the_database(client):
    token = on_story_step(client)
    post_step(client, token, "story", {**VALID["story"], "files": [files.png("maria-garcia-arrest.png")]})
    with connection.cursor() as cursor:
        cursor.execute("SELECT original_name FROM intake_attachment")
        assert "maria" not in cursor.fetchone()[0]
