"""Checking and cleaning files people send: the type is read from the content (never from the
name or the declared type), images are re-encoded without EXIF/GPS, and the SHA-256 of the
original bytes is kept for chain of custody."""

import hashlib
import io
import re
import warnings
import zlib
from dataclasses import dataclass

import puremagic
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from PIL import Image, ImageOps
from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

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
    """A file Voces will not keep. `code` is one of: too_large, not_allowed, damaged, too_many_pixels,
    active_pdf."""

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


# What makes a PDF act when it is opened: scripts, programs launched, files inside it, forms that
# send data, actions on events. A letter or a scan needs none of them; staff open these files.
PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|AA)(?![A-Za-z0-9])"
)
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"\bstream\r?\n")
PDF_INSPECTED_BYTES = 64 * 1024 * 1024  # of object streams unpacked, in all


def _pdf_names(data: bytes) -> bytes:
    """PDF lets a name spell any letter as #xx (/J#61vaScript): spelled out, names match plainly."""
    return PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def _pdf_is_active(data: bytes) -> bool:
    """Whether the PDF holds active content, in its objects or in the compressed object streams
    (PDF 1.5) that a plain search cannot see. Other streams (pages, pictures, fonts) are skipped:
    their bytes can hold "/JS" by chance. Object streams that cannot be read (another filter,
    encrypted, too big unpacked) count as active: they cannot be shown not to be."""
    objects, position, budget = [], 0, PDF_INSPECTED_BYTES
    for start in PDF_STREAM.finditer(data):
        if start.start() < position:
            continue  # "stream" inside a stream's own bytes
        head = data[max(position, start.start() - 4096) : start.start()]
        header = _pdf_names(head[head.rfind(b"obj") + 3 :] if b"obj" in head else head)
        end = data.find(b"endstream", start.end())
        end = len(data) if end < 0 else end
        objects.append(data[position : start.start()])
        position = end
        if not re.search(rb"/Type\s*/ObjStm\b", header):
            continue
        body, filters = data[start.end() : end], re.findall(rb"/(\w+Decode)\b", header)
        if filters == [b"FlateDecode"]:
            unpacker = zlib.decompressobj()
            try:
                body = unpacker.decompress(body, budget)
            except zlib.error:
                return True
            if unpacker.unconsumed_tail:
                return True
        elif filters:
            return True
        budget -= len(body)
        if budget <= 0 or PDF_ACTIVE.search(_pdf_names(body)):
            return True
    objects.append(data[position:])
    return bool(PDF_ACTIVE.search(_pdf_names(b"".join(objects))))


# The same, read by a PDF parser (pypdf) from every object the file's cross-reference tables list,
# compressed object streams and encrypted files (empty password) included: what a reader opens.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/XFA", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia"}
PDF_ACTIVE_ACTIONS = {
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute", "/Rendition", "/GoToE",
    "/GoToR", "/Sound", "/Movie",
}  # fmt: skip
PDF_MAX_OBJECTS = 200_000


def _pdf_value_is_active(value, depth: int = 0) -> bool:
    if depth > 32:
        return True
    if isinstance(value, DictionaryObject):
        if PDF_ACTIVE_KEYS & set(value.keys()) or value.get("/S") in PDF_ACTIVE_ACTIONS:
            return True
        opening = value.get("/OpenAction")
        # Opening may go to a page; any other action (a web address even) acts without a click.
        if isinstance(opening, DictionaryObject) and opening.get("/S") != "/GoTo":
            return True
        return any(_pdf_value_is_active(item, depth + 1) for item in value.values())
    if isinstance(value, ArrayObject):
        return any(_pdf_value_is_active(item, depth + 1) for item in value)
    return False


def _pdf_objects_are_active(data: bytes) -> bool:
    """Walk every object a PDF reader would find (pypdf); a file it cannot read counts as active."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return True
        numbers = [(number, generation) for generation, table in reader.xref.items() for number in table]
        numbers += [(number, 0) for number in reader.xref_objStm]
        if len(numbers) > PDF_MAX_OBJECTS:
            return True
        if _pdf_value_is_active(reader.trailer):
            return True
        for number, generation in numbers:
            found = reader.get_object(IndirectObject(number, generation, reader))
            if _pdf_value_is_active(found):
                return True
            # An object stream no table lists still holds objects a reader rebuilding them finds.
            if isinstance(found, StreamObject) and "/N" in found and "/First" in found:
                if PDF_ACTIVE.search(_pdf_names(found.get_data())):
                    return True
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: a retry decides, not this check
    except Exception:
        return True
    return False


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
                # Pillow writes a JPEG's comment (any text, a web page even) into the copy it saves.
                image.info.pop("comment", None)
                output_format = IMAGE_FORMATS[content_type]
                if output_format == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                buffer = io.BytesIO()
                # Saving without exif= (and without the source's info) writes no EXIF, GPS or XMP.
                image.save(buffer, format=output_format, quality=90)
                return buffer.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("too_many_pixels") from None
    except SoftTimeLimitExceeded:
        raise
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
    if content_type == "application/pdf" and (_pdf_is_active(data) or _pdf_objects_are_active(data)):
        raise UploadRejected("active_pdf")
    clean = _clean_image(data, content_type) if kind == "image" else None
    return CheckedFile(
        kind=kind,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original=data,
        clean=clean,
    )
