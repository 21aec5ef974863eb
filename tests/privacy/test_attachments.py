import io

import pytest
from PIL import Image

from privacy.attachments import UploadRejected, check_upload
from tests import files


def test_a_photo_loses_its_exif_and_gps_but_keeps_its_fingerprint():
    upload = files.jpeg_with_gps()
    original = upload.read()
    upload.seek(0)
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)
    checked = check_upload(upload)
    assert checked.kind == "image"
    assert checked.content_type == "image/jpeg"
    assert checked.original == original
    import hashlib

    assert checked.sha256 == hashlib.sha256(original).hexdigest()
    with Image.open(io.BytesIO(checked.clean)) as cleaned:
        assert not cleaned.getexif()
        assert cleaned.info.get("exif") is None
        assert cleaned.size == (48, 64)  # the rotation was applied before the tag was dropped


@pytest.mark.parametrize(
    "make,kind",
    [(files.png, "image"), (files.pdf, "document"), (files.mp3, "audio"), (files.big, "video")],
)
def test_allowed_kinds_are_known_by_their_content(make, kind):
    assert check_upload(make()).kind == kind


def test_the_type_comes_from_the_bytes_not_the_name():
    upload = files.pdf(name="looks-like-a-photo.jpg")
    assert check_upload(upload).content_type == "application/pdf"


@pytest.mark.parametrize(
    "make,code",
    [
        (files.executable_as_jpg, "not_allowed"),
        (files.svg, "not_allowed"),
        (files.decompression_bomb, "too_many_pixels"),
    ],
)
def test_dangerous_files_are_refused(make, code):
    with pytest.raises(UploadRejected) as refused:
        check_upload(make())
    assert refused.value.code == code


def test_a_damaged_photo_is_refused():
    upload = files.jpeg_with_gps()
    data = upload.read()[:200]
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(UploadRejected) as refused:
        check_upload(SimpleUploadedFile("cut.jpg", data))
    assert refused.value.code == "damaged"
