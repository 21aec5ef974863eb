import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from messaging.models import OptOut
from messaging.selectors import is_opted_out
from messaging.services import opt_out_record
from privacy.crypto import DecryptionError, blind_index

PHONE = "+1 555 010 0199"


def raw_addresses() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM messaging_optout ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_an_encrypted_value_is_not_readable_in_the_raw_row(db):
    opt_out_record(channel="sms", address=PHONE, keyword="STOP")
    [stored] = raw_addresses()
    assert "555" not in stored
    assert "0199" not in stored
    assert stored.startswith("gAAAA")
    assert OptOut.objects.get().address == PHONE


def test_a_blind_index_finds_the_record_whatever_the_spelling(db):
    opt_out_record(channel="whatsapp", address="whatsapp:+15550100199")
    assert is_opted_out(channel="whatsapp", address=PHONE)
    assert not is_opted_out(channel="whatsapp", address="+15550100198")
    assert not is_opted_out(channel="sms", address=PHONE)


def test_blind_indexes_of_different_purposes_never_match(settings):
    assert blind_index("5550100199", purpose="phone") != blind_index("5550100199", purpose="receipt")
    first = blind_index("5550100199", purpose="phone")
    settings.BLIND_INDEX_KEY = "another-key-another-key-another-key"
    assert blind_index("5550100199", purpose="phone") != first


def test_filtering_on_an_encrypted_column_is_refused(db):
    with pytest.raises(NotImplementedError, match="blind index"):
        list(OptOut.objects.filter(address=PHONE))


def test_key_rotation_reencrypts_every_row_and_the_old_key_can_then_go(db, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    for n in range(3):
        opt_out_record(channel="sms", address=f"+1555010010{n}")
    before = raw_addresses()

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(DecryptionError):
        list(OptOut.objects.all())

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    after = raw_addresses()
    assert all(a != b for a, b in zip(before, after, strict=True))

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert sorted(o.address for o in OptOut.objects.all()) == [f"+1555010010{n}" for n in range(3)]
    assert all(Fernet(new_key.encode()).decrypt(token.encode()) for token in after)


def test_rotation_leaves_values_already_under_the_first_key_alone(db, settings):
    opt_out_record(channel="sms", address=PHONE)
    before = raw_addresses()
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    assert raw_addresses() == before


def test_key_rotation_reencrypts_stored_files_without_losing_one(db, settings, tmp_path):
    from intake.services import attachment_store
    from privacy.attachments import check_upload
    from privacy.files import encrypted_file_read
    from tests import files

    settings.MEDIA_ROOT = tmp_path
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    attachment = attachment_store(checked=check_upload(files.png()), original_name="a.png")
    before = (attachment.original_file, attachment.clean_file)
    content = encrypted_file_read(attachment.original_file)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    attachment.refresh_from_db()
    assert attachment.original_file != before[0]
    assert not (tmp_path / before[0]).exists()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert encrypted_file_read(attachment.original_file) == content
    assert encrypted_file_read(attachment.clean_file)
