"""The restore drill of docs/operations.md, run for real on PostgreSQL.

Complaints with a filer's contact details, words and a file are filed through the service under
keys of their own; the database is dumped with `pg_dump -Fc` and the media folder copied, as a
backup would; the dump is restored into a new database, and a fresh `manage.py shell` pointed at it
(the restored media beside it) must read everything back with the keys and find each complaint by
its receipt, phone and email. Without the keys the same restore reveals nothing: no value
decrypts, no lookup finds anything, and no marker is anywhere in the dump's bytes.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from intake.models import Complaint
from intake.services import ComplaintInput, ContactInput, attachment_store, complaint_submit
from privacy.attachments import check_upload
from tests import files
from tests.conftest import REPO

pytestmark = pytest.mark.django_db(transaction=True)

FILERS = [
    {
        "name": "Marisol Quintanilla-Etxeberria",
        "phone": "+1 713 555 0171",
        "digits": "7135550171",
        "email": "marisol.quintanilla.7c1@example.org",
        "narrative": "Entraron por la puerta trasera de la lavandería Quetzalcoatl 4471.",
        "witnesses": "Doña Filomena Uxmal, vecina del 12B",
    },
    {
        "name": "Jean-Baptiste Oreste Vilsaint",
        "phone": "(305) 555-0172",
        "digits": "3055550172",
        "email": "jb.vilsaint.9f2@example.org",
        "narrative": "Yo te mete fanmi mwen nan kamyon blan Zanmitay 8823.",
        "witnesses": "Pastè Wilfrid Zanmitay",
    },
]
# A fact kept in plain text for the statistics: it must be in the dump, which shows the dump's
# data can be read at all, so that the markers' absence means something.
CITY = "Brownsville Drill Nine"
LETTER = files.pdf_bytes(comment=b"Carta de Orfelina Tzompantli 3391 a la oficina")

# Run in the restored deployment: every value read back, or "undecryptable", per complaint.
READ_BACK = """
import json, os
from intake.models import Attachment, Complaint, ComplaintContact
from intake.selectors import complaint_by_receipt
from messaging.addresses import address_index
from privacy.crypto import DecryptionError
from privacy.files import encrypted_file_read

def read(queryset, field):
    try:
        return queryset.values_list(field, flat=True).get()
    except DecryptionError:
        return "undecryptable"

def file(name):
    try:
        return encrypted_file_read(name).decode("latin-1")
    except DecryptionError:
        return "undecryptable"

found = {"complaints": Complaint.objects.count(), "filers": []}
for filer in json.loads(os.environ["VOCES_DRILL"]):
    complaint = Complaint.objects.filter(reference=filer["reference"])
    contact = ComplaintContact.objects.filter(complaint__reference=filer["reference"])
    by_receipt = complaint_by_receipt(filer["receipt"])
    by_phone = ComplaintContact.objects.filter(phone_index=address_index("sms", filer["phone"]))
    by_email = ComplaintContact.objects.filter(email_index=address_index("email", filer["email"]))
    attachment = Attachment.objects.filter(complaint__reference=filer["reference"])
    found["filers"].append({
        "reference": filer["reference"],
        "by_receipt": by_receipt.reference if by_receipt else None,
        "by_phone": by_phone.values_list("complaint__reference", flat=True).first(),
        "by_email": by_email.values_list("complaint__reference", flat=True).first(),
        "name": read(contact, "name"),
        "phone": read(contact, "phone"),
        "email": read(contact, "email"),
        "narrative": read(complaint, "narrative"),
        "witnesses": read(complaint, "witnesses"),
        "file_name": read(attachment, "original_name"),
        "file": file(attachment.values_list("original_file", flat=True).get()),
    })
print(json.dumps(found))
"""


def pg(*command: str, timeout: int = 60) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    where = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432), "-U", settings["USER"]]
    result = subprocess.run(
        [command[0], *where, *command[1:]],
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""},
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result


def database_url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    )


def restored_deployment(database: str, var_dir: Path, drill: list[dict], keys: dict[str, str]) -> dict:
    """`manage.py shell` as a restored deployment runs it: its own process, the restored database
    and media, and only the keys it is given."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"))
    }
    env = {
        **kept,
        "DATABASE_URL": database_url(database),
        "VAR_DIR": str(var_dir),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "VOCES_DRILL": json.dumps(drill),
        **keys,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", READ_BACK],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def file_complaint(filer: dict, key: str) -> dict:
    data = ComplaintInput(
        filer_role="person_affected",
        language="es",
        allegations=["unlawful_entry"],
        incident_date=date(2026, 9, 14),
        city=CITY,
        state="TX",
        place_type="workplace",
        agency="ice_ero",
        narrative=filer["narrative"],
        witnesses=filer["witnesses"],
        is_anonymous=False,
        contact=ContactInput(name=filer["name"], phone=filer["phone"], email=filer["email"], preferred_method="sms"),
        consent_contact=True,
    )
    result = complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False)
    letter = SimpleUploadedFile("carta.pdf", LETTER, content_type="application/pdf")
    attachment_store(
        checked=check_upload(letter), original_name=f"carta de {filer['name']}.pdf", complaint=result.complaint
    )
    return {**filer, "reference": result.complaint.reference, "receipt": result.receipt}


@pytest.fixture
def own_keys(settings, tmp_path):
    """Keys of this deployment only (not the development ones a keyless process falls back to),
    and a media folder of its own."""
    keys = {
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
    }
    settings.FIELD_ENCRYPTION_KEYS = [keys["FIELD_ENCRYPTION_KEYS"]]
    settings.BLIND_INDEX_KEY = keys["BLIND_INDEX_KEY"]
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return keys


@pytest.fixture
def restore_database(postgres):
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    pg("createdb", "-T", "template0", name)
    yield name
    pg("dropdb", "--if-exists", "--force", name)


def secrets_of(filer: dict) -> list[str]:
    words = [filer["name"], filer["email"], filer["digits"], filer["narrative"], filer["witnesses"], filer["receipt"]]
    return words + [filer["name"].split()[-1], filer["narrative"].split()[-1], "Tzompantli"]


def test_a_dump_restores_with_the_keys_and_reveals_nothing_without_them(own_keys, restore_database, settings, tmp_path):
    drill = [file_complaint(filer, f"drill:{index}") for index, filer in enumerate(FILERS)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM intake_complaintcontact ORDER BY id")
        stored_names = [row[0] for row in cursor.fetchall()]

    # The backup: a custom-format dump, then the media folder.
    dump = tmp_path / "voces.dump"
    pg("pg_dump", "-Fc", "-f", str(dump), connection.settings_dict["NAME"])
    restored_var = tmp_path / "restored"
    shutil.copytree(settings.MEDIA_ROOT, restored_var / "media")

    # What a thief of the backup holds: the dump's bytes, its data as SQL (the custom format is
    # compressed, so the raw bytes alone would prove nothing), and the files.
    raw = dump.read_bytes()
    as_sql = pg("pg_restore", "-f", "-", str(dump)).stdout
    files = b"".join(path.read_bytes() for path in (restored_var / "media").rglob("*") if path.is_file())
    assert CITY.encode() in as_sql
    assert all(token.encode() in as_sql for token in stored_names)  # the contacts are in it, encrypted
    for filer in drill:
        for secret in secrets_of(filer):
            for blob in (raw, as_sql, files):
                assert secret.encode() not in blob, f"{secret!r} is readable in the backup"

    pg("pg_restore", "--no-owner", "--exit-on-error", "-d", restore_database, str(dump))

    with_keys = restored_deployment(restore_database, restored_var, drill, own_keys)
    assert with_keys["complaints"] == len(FILERS) == Complaint.objects.count()
    for filer, back in zip(drill, with_keys["filers"], strict=True):
        reference = filer["reference"]
        assert (back["by_receipt"], back["by_phone"], back["by_email"]) == (reference, reference, reference)
        assert back["name"] == filer["name"]
        assert back["phone"] == filer["phone"]
        assert back["email"] == filer["email"]
        assert back["narrative"] == filer["narrative"]
        assert back["witnesses"] == filer["witnesses"]
        assert back["file_name"] == f"carta de {filer['name']}.pdf"
        assert back["file"] == LETTER.decode("latin-1")

    # The same restore without this deployment's keys (a process without them falls back to the
    # development keys, as any other keys would be).
    without_keys = restored_deployment(restore_database, restored_var, drill, {})
    assert without_keys["complaints"] == len(FILERS)
    for back in without_keys["filers"]:
        assert (back["by_receipt"], back["by_phone"], back["by_email"]) == (None, None, None)
        fields = ("name", "phone", "email", "narrative", "witnesses", "file_name", "file")
        assert {field: back[field] for field in fields} == dict.fromkeys(fields, "undecryptable")
