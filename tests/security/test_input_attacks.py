"""Attacks carried by input: open redirects through every `next` and the language switcher,
server-side request forgery through the media and recording URLs Twilio's webhooks name,
hostile uploads (bombs, huge pictures, polyglots, PDF with JavaScript, SVG with script, path
traversal), and SQL-looking values in every filter of the staff pages, the API and /stats/."""

import io
import ipaddress
import os
import re
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from cases.api import FootageQuery, IncidentQuery, StaffComplaintFilter
from cases.forms import AuditFilterForm, FootageFilterForm, IncidentFilterForm, QueueFilterForm
from intake.api import ComplaintFilter
from intake.models import Attachment, Complaint, VoiceRecording
from intake.services import complaint_submit
from privacy.api import AuditQuery
from privacy.attachments import UploadRejected, check_upload
from privacy.files import encrypted_file_read
from surveys.api import SurveyReadQuery
from tests import files
from tests.api.conftest import token_for
from tests.api.test_complaints_org import file_for
from tests.cases.test_role_matrix import media as media  # noqa: F401 - fixtures used below
from tests.cases.test_role_matrix import objects as objects  # noqa: F401
from tests.conftest import staff_login
from tests.intake.helpers import VALID, post_step, start, submit, walk
from tests.intake.test_conversation import MEDIA_ACCOUNT, TOKEN, media_path, text, text_with_media
from tests.intake.test_services import complaint_input
from tests.intake.test_voice import Call, recording_path
from tests.intake.test_voice import twilio as twilio  # noqa: F401
from tests.transparency.test_pages import headline_release
from transparency.api import StatsQuery

pytestmark = pytest.mark.django_db

HOST = "testserver"

# --- open redirects -------------------------------------------------------------------------------

EVIL = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",  # sent as typed: the query string decodes it to //evil.example
    "///evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "http://testserver@evil.example",
    "data:text/html,<script>alert(1)</script>",
]


def lands_on(location: str, base: str = f"http://{HOST}/en/staff/") -> tuple[str, str]:
    """(scheme, host) a browser goes to for this Location: browsers drop tabs and newlines,
    trim spaces and control characters, and read a backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00\x20").replace("\\", "/")
    # http and https: any number of slashes after the scheme, or at the start, begin a host.
    cleaned = re.sub(r"^(https?):/*", r"\1://", re.sub(r"^/{2,}", "//", cleaned), flags=re.IGNORECASE)
    target = urlsplit(urljoin(base, cleaned))
    return target.scheme, target.hostname or ""


def stays_home(location: str) -> bool:
    return lands_on(location) in (("http", HOST), ("https", HOST))


def test_lands_on_reads_addresses_as_a_browser_does():
    assert stays_home("/en/staff/") and stays_home("?page=2") and stays_home("%2F%2Fevil.example")
    assert not any(stays_home(target) for target in EVIL if not target.startswith("%"))


def _query(value: str) -> str:
    # As an attacker's link carries it: percent signs typed by the attacker stay as they are.
    return value if value.startswith("%") else quote(value, safe="")


def test_no_next_parameter_sends_anyone_to_another_site(objects, supervisor, admin_user, advocate):
    """Every view that reads `next` (the organisations' sign-in, each staff sign-in step, the
    queue's and complaint's assignment forms, the admin's login), with each hostile target."""
    wrong = []

    def check(label, response):
        location = response.get("Location", "")
        if location and not stays_home(location):
            wrong.append((label, location))
        body = "" if response.streaming else response.content.decode()
        for link in re.findall(r'(?:href|action)="([^"]*)"', body):
            if "next" in link and not stays_home(link.replace("&amp;", "&")):
                wrong.append((label, "link", link))
        hidden = re.findall(r'name="next" value="([^"]*)"', body)
        if any(value and not stays_home(value.replace("&amp;", "&")) for value in hidden):
            wrong.append((label, "hidden next", hidden))

    staff = staff_login(Client(), supervisor)
    admin = staff_login(Client(), admin_user)
    member_page = reverse("accounts:sign_in")
    complaint_assign = reverse("staff:complaint_assign", args=[objects["complaint"]])
    for n, target in enumerate(EVIL):
        query = f"?next={_query(target)}"
        anonymous = Client()
        check(("staff sign-in page", target), anonymous.get(reverse("staff:sign_in") + query))
        check(("admin login", target), anonymous.get("/admin/login/" + query))
        check(("member sign-in page", target), anonymous.get(member_page + query))
        member = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        signed_in = member.post(
            member_page + query, {"username": advocate.username, "password": "correct horse battery staple"}
        )
        assert signed_in.status_code == 302, signed_in.status_code
        check(("member sign-in", target), signed_in)
        body = {"username": "nobody", "password": "x", "next": target}
        check(("staff sign-in post", target), Client(REMOTE_ADDR=f"198.51.100.{n + 100}").post(
            reverse("staff:sign_in") + query, body
        ))  # fmt: skip
        for name in ("staff:sign_in", "staff:verify", "staff:two_factor"):
            check((name, target), staff.get(reverse(name) + query))
        check(("admin login, signed in", target), admin.get("/admin/login/" + query))
        queue = staff.post(reverse("staff:queue_assign"), {"assignee": "me", "next": target})
        check(("queue assign", target), queue)
        check(("complaint assign", target), staff.post(complaint_assign, {"next": target}))
    assert wrong == []


EVIL_PATHS = ["//evil.example/", "/\\evil.example/", "/%2F%2Fevil.example/", "///evil.example/", "/%5Cevil.example"]


@pytest.mark.parametrize("path", EVIL_PATHS)
def test_no_address_of_the_site_redirects_or_links_to_another(client, path):
    """The language prefix added to an address without one, the slash appended to one without
    it, and the language switcher built from the address: each stays on the site."""
    for variant in [path, path.rstrip("/"), f"/en{path}", f"/es/status{path}", f"/en/?next={path}"]:
        response = client.get(variant)
        assert response.status_code < 500, variant
        location = response.get("Location", "")
        assert not location or stays_home(location), (variant, location)
        if response.status_code in (200, 404) and not response.streaming:
            links = re.findall(r'<a href="([^"]*)" lang="[^"]+" hreflang=', response.content.decode())
            assert not response.status_code == 200 or links, variant  # the switcher is on the page
            assert all(stays_home(link.replace("&amp;", "&")) for link in links), (variant, links)


# --- server-side request forgery ------------------------------------------------------------------------


class Server:
    """An HTTP server on a loopback address that records every request: an internal service
    that must never be asked, or a stand-in for Twilio that answers from `routes`
    (path → status, headers, body)."""

    def __init__(self, host: str = "127.0.0.1", routes: dict | None = None) -> None:
        self.requests: list[tuple[str, str]] = []
        self.routes = routes or {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                server.requests.append((self.command, self.path))
                status, headers, body = server.routes.get(self.path.split("?")[0], (200, {}, b"internal secret"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_DELETE = do_POST = _answer

            def log_message(self, *args):
                pass

        class HTTPServer(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

        self.httpd = HTTPServer((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.netloc = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, n: int) -> str:
        """The address of media n on this server."""
        return f"http://{self.netloc}{media_path(n)}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def internal():
    """Two internal services, on 127.0.0.1 and [::1]."""
    with Server("127.0.0.1") as four, Server("::1") as six:
        yield four, six


@pytest.fixture
def outbound(monkeypatch):
    """Every name looked up and every connection opened from here on. Loopback connections go
    ahead (the local servers, Redis); any other is recorded and refused, so a forged request
    would be seen, and nothing leaves the machine."""
    seen = {"lookups": [], "refused": []}
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def loopback(host: str) -> bool:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback(address[0]):
            seen["refused"].append(address[:2])
            raise ConnectionRefusedError(f"test: no connection to {address[0]}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "127.0.0.1", "::1"):
            seen["lookups"].append(name)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


@pytest.fixture
def sms(settings, tmp_path):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    settings.SMS_TRANSPORT = "tests.intake.test_conversation.RecordingTransport"
    settings.TWILIO_ACCOUNT_SID = MEDIA_ACCOUNT
    settings.MEDIA_ROOT = tmp_path / "media"


def file_a_complaint_by_sms(client, media_urls: list[str]) -> Complaint:
    """A whole conversation, with the photos' URLs in the middle; the complaint is filed and the
    media tasks run at the end (eagerly, after commit)."""
    for message in ["Hola", "1", "Entraron a mi casa."]:
        text(client, message)
    text_with_media(client, "", media_urls)
    for message in ["listo", "ayer", "Houston, TX", "3", "no", "0", "2", "1"]:
        text(client, message)
    return Complaint.objects.get()


def jpeg(size=(30, 20), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def test_media_urls_naming_internal_hosts_are_never_fetched(client, sms, settings, internal, outbound):
    """Production settings: only https://api.twilio.com for our account. A forged webhook names
    loopback, link-local (cloud metadata) and private addresses, plain http, and credentials
    tricks: the complaint is filed, nothing is fetched, no connection leaves."""
    settings.TWILIO_API_BASE = ""
    four, six = internal
    path = media_path(1)
    urls = [
        f"http://{four.netloc}{path}",
        f"http://{six.netloc}{path}",
        f"http://169.254.169.254{path}",
        f"http://10.0.0.7{path}",
        f"http://api.twilio.com{path}",  # http instead of https
        f"https://api.twilio.com@{four.netloc}{path}",
        f"https://api.twilio.com:443@169.254.169.254{path}",
        f"https://{four.netloc}/latest/meta-data/?{path}",
        f"https://api.twilio.com.{four.netloc}{path}",
        f"https://api.twilio.com/2010-04-01/Accounts/{MEDIA_ACCOUNT}/../../../latest/meta-data",
    ]
    complaint = file_a_complaint_by_sms(client, urls)
    assert complaint.reference
    assert four.requests == [] and six.requests == []
    assert outbound["refused"] == []
    assert not any(name.endswith(("evil.example", "169.254.169.254", "10.0.0.7")) for name in outbound["lookups"])
    assert "api.twilio.com" not in outbound["lookups"]  # not even looked up: every one was refused first
    assert not Attachment.objects.exists()


def test_a_redirect_from_twilio_is_followed_only_to_its_media_host_over_https(
    client, sms, settings, internal, outbound
):
    """Twilio answers a MediaUrl with a redirect to its media host. A forged (or hijacked)
    redirect to an internal address, another host or plain http is not followed."""
    four, six = internal
    targets = {
        2: f"http://{four.netloc}/secret",
        3: f"https://{four.netloc}/secret",
        4: f"https://{six.netloc}/secret",
        5: "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        6: "http://media.twiliocdn.com/secret",  # the right host, without TLS
        7: "https://media.twiliocdn.com.evil.example/secret",
        8: f"https://media.twiliocdn.com@{four.netloc}/secret",
        9: "/secret",  # Twilio's own host: not a media host
    }
    routes = {media_path(n): (302, {"Location": target}, b"") for n, target in targets.items()}
    routes[media_path(1)] = (200, {"Content-Type": "image/jpeg"}, jpeg())
    with Server("127.0.0.1", routes) as fake_twilio:
        settings.TWILIO_API_BASE = f"http://{fake_twilio.netloc}"
        settings.TWILIO_MEDIA_HOSTS = ["media.twiliocdn.com"]
        complaint = file_a_complaint_by_sms(client, [fake_twilio.url(n) for n in [1, *targets]])
        asked = [path for method, path in fake_twilio.requests if method == "GET"]
    assert sorted(asked) == sorted(media_path(n) for n in [1, *targets])  # each redirect was offered
    assert four.requests == [] and six.requests == []
    assert "/secret" not in asked
    assert outbound["refused"] == []
    assert not any("evil.example" in name or "twiliocdn" in name for name in outbound["lookups"])
    assert complaint.attachments.count() == 1  # the control: Twilio's own answer was attached


def test_a_recording_url_naming_an_internal_host_is_never_fetched(client, twilio, internal, outbound):
    """A forged voice webhook names the recording on internal hosts: the call is filed, the
    recording refused without a request, and nothing is asked of Twilio for it either."""
    four, six = internal
    evil = {
        7: f"http://{four.netloc}{recording_path(7)}",
        8: f"http://[::1]:{six.port}{recording_path(8)}",
        9: f"http://169.254.169.254{recording_path(9)}",
    }
    call = Call(client, twilio, sid="CA" + "f" * 32)
    call.start()
    call.press("1")
    call.silence()
    call.record(7, url=evil[7])
    for key in ["2", "2", "2"]:
        call.press(key)
    for n, url in evil.items():
        call.recording_ready(n, url=url)
    call.hang_up()
    assert Complaint.objects.filter(channel="voice").count() == 1
    assert four.requests == [] and six.requests == [] and outbound["refused"] == []
    assert set(VoiceRecording.objects.values_list("url", flat=True)) == {""}
    assert twilio.media_requests == []  # nor was Twilio asked for them


# --- uploads ---------------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def stored_files(root) -> list[str]:
    return [os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def _with_sof_size(data: bytes, width: int, height: int) -> bytes:
    at = data.index(b"\xff\xc0") + 5  # SOF0: marker, length, precision, then height and width
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4 :]


def huge_jpeg(name="huge.jpg") -> SimpleUploadedFile:
    """A few hundred bytes whose header claims 60,000 × 60,000 pixels."""
    return SimpleUploadedFile(name, _with_sof_size(jpeg(), 60_000, 60_000), content_type="image/jpeg")


SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"


def jpeg_html_polyglot(name="photo.jpg") -> SimpleUploadedFile:
    """A real photo that is also a web page: the markup in a JPEG comment and after the image."""
    return SimpleUploadedFile(name, jpeg(comment=SCRIPT) + SCRIPT, content_type="image/jpeg")


def jpeg_zip_polyglot(name="photo.jpg") -> SimpleUploadedFile:
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", SCRIPT)
    return SimpleUploadedFile(name, jpeg() + archive.getvalue(), content_type="image/jpeg")


def html_with_jpeg_magic(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0" + SCRIPT, content_type="image/jpeg")


def _pdf(*objects: bytes) -> bytes:
    return files.pdf_bytes(*objects)


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"


def pdf_with_javascript(name="letter.pdf") -> SimpleUploadedFile:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    return SimpleUploadedFile(name, _pdf(catalog, PAGES, PAGE), content_type="application/pdf")


def pdf_with_escaped_javascript(name="letter.pdf") -> SimpleUploadedFile:
    """The same action with its names written in #-escapes, as PDF allows."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>"
    return SimpleUploadedFile(name, _pdf(catalog, PAGES, PAGE), content_type="application/pdf")


def pdf_with_javascript_in_an_object_stream(name="letter.pdf") -> SimpleUploadedFile:
    """The action hidden in a compressed object stream (PDF 1.5), where a plain search of the
    file cannot see it."""
    hidden = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    packed = zlib.compress(b"4 0 " + hidden)
    stream = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    return SimpleUploadedFile(name, _pdf(catalog, PAGES, PAGE, stream + packed + b"\nendstream"))


def pdf_that_launches(name="letter.pdf") -> SimpleUploadedFile:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>"
    return SimpleUploadedFile(name, _pdf(catalog, PAGES, PAGE), content_type="application/pdf")


# Ways a text search of the file was fooled (found by review); a PDF parser reads each like a reader.
_JS = b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"
_OPENS_2 = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n"
_PACKED = zlib.compress(b"2 0 " + _JS)
_TAIL = b"\nendstream endobj\n%%EOF"
EVASIONS = {
    "stream_in_a_comment": _OPENS_2
    + b"%stream\n2 0 obj "
    + _JS
    + b" endobj\n3 0 obj << /Length 1 >> stream\nx"
    + _TAIL,
    "stream_in_a_string": b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R /Title (my stream\n) >> "
    b"endobj\n2 0 obj " + _JS + b" endobj\n3 0 obj << /Length 1 >> stream\nx" + _TAIL,
    "long_object_stream_header": _OPENS_2
    + b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode"
    + b" " * 5000
    + b"/Length %d >> stream\n" % len(_PACKED)
    + _PACKED
    + _TAIL,
    "obj_in_a_later_name": _OPENS_2
    + b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d /Xobj 1 >> "
    b"stream\n" % len(_PACKED) + _PACKED + _TAIL,
    "short_filter_name": _OPENS_2
    + b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /Fl /Length %d >> stream\n" % len(_PACKED)
    + _PACKED
    + _TAIL,
    "object_stream_without_type": _OPENS_2
    + b"5 0 obj << /N 1 /First 4 /Filter /FlateDecode /Length %d >> stream\n" % len(_PACKED)
    + _PACKED
    + _TAIL,
    "opens_a_web_address": b"%PDF-1.7\n1 0 obj << /Type /Catalog "
    b"/OpenAction << /S /URI /URI (https://evil.example/) >> >> endobj\n%%EOF",
}


def _evasion(key):
    def make(name="letter.pdf") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, EVASIONS[key], content_type="application/pdf")

    make.__name__ = f"pdf_{key}"
    return make


def plain_pdf(name="letter.pdf") -> SimpleUploadedFile:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /FitH 792] >>"
    return SimpleUploadedFile(name, _pdf(catalog, PAGES, PAGE), content_type="application/pdf")


REFUSED = [
    (files.decompression_bomb, "too_many_pixels"),
    (huge_jpeg, "too_many_pixels"),
    (html_with_jpeg_magic, "damaged"),
    (files.svg, "not_allowed"),
    (lambda: SimpleUploadedFile("page.jpg", SCRIPT, content_type="image/jpeg"), "not_allowed"),
    (pdf_with_javascript, "active_pdf"),
    (pdf_with_escaped_javascript, "active_pdf"),
    (pdf_with_javascript_in_an_object_stream, "active_pdf"),
    (pdf_that_launches, "active_pdf"),
    *[(_evasion(key), "active_pdf") for key in EVASIONS],
]


@pytest.mark.parametrize(("make", "code"), REFUSED, ids=[make.__name__ for make, _c in REFUSED])
def test_hostile_files_are_refused_by_the_check(make, code):
    started = time.monotonic()
    with pytest.raises(UploadRejected) as refused:
        check_upload(make())
    assert refused.value.code == code
    assert time.monotonic() - started < 2  # refused from the header, not after decoding


def test_a_picture_between_the_limit_and_twice_it_is_refused_too(settings):
    settings.ATTACHMENT_MAX_IMAGE_PIXELS = 10_000
    buffer = io.BytesIO()
    Image.new("RGB", (120, 100)).save(buffer, "PNG")  # 12,000 pixels: Pillow only warns here
    with pytest.raises(UploadRejected) as refused:
        check_upload(SimpleUploadedFile("wide.png", buffer.getvalue()))
    assert refused.value.code == "too_many_pixels"


def test_hostile_uploads_on_the_web_form_and_the_status_page_keep_nothing(client, media_root):
    """Each hostile file through the form's upload step and through "add information" on the
    status page: refused by name in the filer's language, and not one byte kept."""
    token = start(client)
    for step in ["about", "what", "officers", "people"]:
        post_step(client, token, step, VALID[step])
    receipt_client = Client()
    receipt = submit(receipt_client, walk(receipt_client))
    for make, _code in REFUSED:
        upload = make()
        page = post_step(client, token, "story", {**VALID["story"], "files": [upload]})
        assert page.status_code == 200 and upload.name in page.content.decode(), make.__name__
        added = receipt_client.post("/es/status/add/", {"receipt": receipt, "text": "", "files": [make()]})
        assert added.status_code == 400, make.__name__
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def _stored(attachment: Attachment) -> tuple[bytes, bytes]:
    return encrypted_file_read(attachment.original_file), encrypted_file_read(attachment.clean_file)


def test_polyglot_photos_are_kept_as_photos_only(client, media_root, objects, supervisor):
    """A JPEG that is also a web page, and one that is also a ZIP: accepted as photos; the copy
    staff open is re-encoded without the markup or the archive; the original (kept unchanged
    for chain of custody) is only ever downloaded, as a JPEG, never sniffed as a page."""
    token = start(client)
    for step in ["about", "what", "officers", "people"]:
        post_step(client, token, step, VALID[step])
    story = {**VALID["story"], "files": [jpeg_html_polyglot(), jpeg_zip_polyglot()]}
    assert post_step(client, token, "story", story).status_code == 302
    html, zipped = Attachment.objects.filter(draft__isnull=False).order_by("pk")
    original, clean = _stored(html)
    assert SCRIPT in original and b"<script" not in clean and b"<html" not in clean
    original, clean = _stored(zipped)
    assert b"PK\x03\x04" in original and b"PK\x03\x04" not in clean and b"payload.html" not in clean

    from intake.services import attachment_store

    complaint = Complaint.objects.get(reference=objects["complaint"])
    kept = attachment_store(checked=check_upload(jpeg_html_polyglot()), original_name="p.jpg", complaint=complaint)
    staff = staff_login(Client(), supervisor)
    for query in ["", "?original=1", "?inline=1", "?original=1&inline=1"]:
        url = reverse("staff:complaint_attachment", args=[complaint.reference, kept.pk]) + query
        response = staff.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")


def test_a_plain_pdf_is_still_accepted():
    assert check_upload(plain_pdf()).kind == "document"
    assert check_upload(files.pdf()).kind == "document"


@pytest.mark.parametrize(
    "name", ["../../../../../../tmp/voces-h3-traversal.png", "..\\..\\..\\voces-h3.png", "/etc/cron.d/x.png"]
)
def test_a_file_named_as_a_path_is_stored_under_its_own_name_only(client, media_root, name):
    token = start(client)
    for step in ["about", "what", "officers", "people"]:
        post_step(client, token, step, VALID[step])
    upload = files.png(name=name)
    assert post_step(client, token, "story", {**VALID["story"], "files": [upload]}).status_code == 302
    attachment = Attachment.objects.get()
    assert "/" not in attachment.original_name and ".." not in attachment.original_name.replace("..\\", "")
    assert "/" not in attachment.original_name
    kept = stored_files(media_root)
    assert len(kept) == 2 and all(os.path.realpath(path).startswith(os.path.realpath(media_root)) for path in kept)
    assert all(re.fullmatch(r"[0-9a-f]{32}\.bin", os.path.basename(path)) for path in kept)
    assert not os.path.exists(os.path.normpath(os.path.join(media_root, "private", name.replace("\\", "/"))))


# --- SQL-looking filter values -----------------------------------------------------------------------------

# Values a text filter gets one by one; the typed filters (a choice, a number, a date) get the last.
SQLISH = ["%", "\x00", "' OR 1=1;DROP TABLE intake_complaint;-- _\\ UNION SELECT password FROM accounts_user"]


def _names(source) -> dict[str, bool]:
    """The filter's parameters, each with whether it takes text."""
    from django import forms
    from rest_framework import serializers

    if hasattr(source, "base_fields"):
        fields = source.base_fields
    elif hasattr(source, "base_filters"):
        fields = {name: f.field_class() for name, f in source.base_filters.items()}
    else:
        fields = source().fields
    return {
        name: isinstance(field, forms.CharField | serializers.CharField) and not hasattr(field, "choices")
        for name, field in fields.items()
    }


def _text(*names: str) -> dict[str, bool]:
    return dict.fromkeys(names, True)


@pytest.fixture
def many(objects, organization, advocate):
    """Besides the matrix's complaint: two more, one filed by the organisation, and a release."""
    complaint_submit(data=complaint_input(city="Tampa"), channel="sms", submission_key="sqlish", notify_filer=False)
    file_for(organization, advocate, 1)
    headline_release()
    return objects


def _rows(response) -> int:
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        for key in ("results", "rows"):
            if isinstance(data, dict) and key in data:
                return len(data[key])
        return len(str(data))
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    if response["Content-Type"].startswith("text/csv"):
        return body.count("\n")
    return len(re.findall(r"\b(?:C|IN|FR)-\d{6}\b", body)) + body.count("<tr")


def test_sql_looking_values_in_every_filter_never_fail_nor_widen_the_answer(many, supervisor, advocate, settings):
    settings.API_RATE_PER_TOKEN = "100000/h"
    settings.API_RATE_ANONYMOUS = "100000/h"
    staff = staff_login(Client(), supervisor)
    staff_api, member_api, anonymous_api = APIClient(), APIClient(), APIClient()
    staff_api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(supervisor)}")
    member_api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(advocate)}")
    targets = [
        (staff, "/en/staff/", _names(QueueFilterForm) | _text("after", "page")),
        (staff, "/en/staff/incidents/", _names(IncidentFilterForm) | _text("page")),
        (staff, "/en/staff/footage/", _names(FootageFilterForm) | _text("page")),
        (staff, "/en/staff/audit/", _names(AuditFilterForm) | _text("after")),
        (staff, "/en/staff/audit/export.csv", _names(AuditFilterForm)),
        (Client(), "/en/stats/", _text("year", "office", "version")),
        (Client(), "/en/stats/data/complaints_by_allegation.csv", _text("version")),
        (
            staff_api,
            "/api/v1/staff/complaints/",
            _names(StaffComplaintFilter) | _text("ordering", "cursor", "page_size"),
        ),
        (staff_api, "/api/v1/staff/incidents/", _names(IncidentQuery) | _text("cursor", "page_size")),
        (staff_api, "/api/v1/staff/footage-requests/", _names(FootageQuery) | _text("cursor", "page_size")),
        (staff_api, "/api/v1/staff/audit-events/", _names(AuditQuery) | _text("cursor", "page_size")),
        (member_api, "/api/v1/complaints/", _names(ComplaintFilter) | _text("ordering", "cursor", "page_size")),
        (anonymous_api, "/api/v1/surveys/", _text("language")),
        (anonymous_api, "/api/v1/surveys/body-cameras/", _names(SurveyReadQuery)),
        (anonymous_api, "/api/v1/stats/", _text("version", "language")),
        (anonymous_api, "/api/v1/stats/totals/", _names(StatsQuery)),
        (anonymous_api, "/api/v1/stats/complaints/", _names(StatsQuery)),
    ]
    wrong = []
    for client, path, names in targets:
        baseline = client.get(path)
        assert baseline.status_code == 200, (path, baseline.status_code)
        allowed = _rows(baseline)
        assert allowed > 0, path
        # Each text filter alone with each value; the typed ones (checked by their form or
        # serializer, which reads them all) together, with the SQL.
        typed = {name: SQLISH[-1] for name, takes_text in names.items() if not takes_text}
        queries = [{name: value} for name, takes_text in names.items() if takes_text for value in SQLISH]
        for query in queries + ([typed] if typed else []):
            response = client.get(path, query)
            if response.status_code >= 500:
                wrong.append((path, query, response.status_code))
            elif response.status_code == 200 and _rows(response) > allowed:
                wrong.append((path, query, "more rows", _rows(response), allowed))
    assert wrong == []
    assert Complaint.objects.count() == 3  # nothing dropped
