import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.conftest import REPO

CATALOGS = sorted((REPO / "locale").glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*\w+\s*\}\}|\{\w+\}")


def test_there_is_a_catalog_for_every_language_but_english():
    languages = {path.parent.parent.name for path in CATALOGS}
    expected = {code.replace("-hans", "_Hans") for code, _ in settings.LANGUAGES if code != "en"}
    assert languages == expected


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalog = polib.pofile(str(path))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert "fuzzy" not in catalog.metadata_as_entry().flags


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_translations_keep_every_placeholder(path):
    for entry in polib.pofile(str(path)).translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        strings = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == expected, (entry.msgid, text)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalogs_pass_msgfmt_checks(path, msgfmt):
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_makemessages_finds_no_message_missing_from_the_catalogs(tmp_path, msgfmt):
    copy = tmp_path / "voces"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "*.mo", "node_modules", "tests", "bench"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--all", "--no-location", "--no-obsolete"]
        + ["--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=bench"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    for committed in CATALOGS:
        fresh = copy / committed.relative_to(REPO)
        old = {e.msgid for e in polib.pofile(str(committed))}
        new = {e.msgid for e in polib.pofile(str(fresh))}
        language = committed.parent.parent.name
        assert new - old == set(), f"{language}: messages in the code but not in the catalog (run make messages)"
        assert old - new == set(), f"{language}: messages in the catalog that the code no longer has"
