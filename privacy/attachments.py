"""Checking and cleaning files people send: the type is read from the content (never from the
name or the declared type), images are re-encoded without EXIF/GPS, and the SHA-256 of the
original bytes is kept for chain of custody."""

import hashlib
import io
import warnings
from dataclasses import dataclass

import puremagic
from django.conf import settings
from PIL import Image, ImageOps

# Content types accepted, by what the bytes say, and the kind each one is.
ALLOWED_TYPES = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
    "application/pdf": "document",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
    "audio/amr": "audio",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/3gpp": "video",
    "video/webm": "video",
}
# What the magic-number library may call them.
ALIASES = {
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "application/ogg": "audio/ogg",
}
BY_EXTENSION = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".amr": "audio/amr",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".3gp": "video/3gpp",
    ".webm": "video/webm",
}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "PNG"}


class UploadRejected(Exception):
    """A file Voces will not keep. `code` is one of: too_large, not_allowed, damaged, too_many_pixels."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    sha256: str
    size: int
    original: bytes
    clean: bytes | None


def sniff_content_type(head: bytes) -> str | None:
    """The allowed type the bytes most look like, or None. Only the most confident matches count,
    so a file that is first of all an executable is not let in by a weaker resemblance."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    if not matches:
        return None
    best = max(match.confidence for match in matches)
    for match in matches:
        if match.confidence < best:
            continue
        mime = ALIASES.get((match.mime_type or "").lower(), (match.mime_type or "").lower())
        mime = mime if mime in ALLOWED_TYPES else BY_EXTENSION.get((match.extension or "").lower())
        if mime in ALLOWED_TYPES:
            return mime
    return None


def _clean_image(data: bytes, content_type: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = settings.ATTACHMENT_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x the pixel limit; treat it as the refusal it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)
                output_format = IMAGE_FORMATS[content_type]
                if output_format == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                buffer = io.BytesIO()
                # Saving without exif= (and without the source's info) writes no EXIF, GPS or XMP.
                image.save(buffer, format=output_format, quality=90)
                return buffer.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("too_many_pixels") from None
    except Exception:
        raise UploadRejected("damaged") from None


def check_upload(uploaded) -> CheckedFile:
    """Read an uploaded file (already bounded by the upload handler) and decide whether to keep it."""
    if uploaded.size > settings.ATTACHMENT_MAX_FILE_BYTES:
        raise UploadRejected("too_large")
    uploaded.seek(0)
    data = uploaded.read()
    if not data:
        raise UploadRejected("damaged")
    content_type = sniff_content_type(data[:8192])
    if content_type is None:
        raise UploadRejected("not_allowed")
    kind = ALLOWED_TYPES[content_type]
    clean = _clean_image(data, content_type) if kind == "image" else None
    return CheckedFile(
        kind=kind,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original=data,
        clean=clean,
    )
