"""Issue 6's acceptance: the seeded survey answered on the web in three languages, over SMS
through signed webhooks and by a 500-row CSV import gives results that match the raw answers
exactly: on the results page, in the counts and in the export."""

import csv
import io
from collections import Counter

import pytest

from surveys import selectors
from surveys.models import Response
from surveys.services import batch_import
from tests.conftest import sign_in
from tests.surveys.test_batches import SEEDED_MULTIPLE, SEEDED_SINGLE, seeded_rows, upload
from tests.surveys.test_sms import SPANISH, text, twilio  # noqa: F401 (a fixture, used below)
from tests.surveys.test_web import ANSWERS, answer_whole_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("twilio")]

# What the Spanish SMS answers mean, as values (see tests/surveys/test_sms.py STORED).
SMS_MEANS = {
    "contact": "yes", "contact_place": "home", "camera_seen": "yes", "camera_on": "unsure", "safe_reporting": "2",
    "footage_worries": "used_against who_sees", "would_request": "no", "request_barrier": "afraid",
    "trust_helps": "anonymous language phone", "trust_more": "Que no lo vea la policía.", "age": "34",
}  # fmt: skip


def web_means() -> dict:
    merged = {}
    for answers in ANSWERS:
        merged.update(answers)
    return {k: " ".join(v) if isinstance(v, list) else v for k, v in merged.items()}


def test_three_channels_give_results_that_match_the_raw_answers(
    client, body_cameras, advocate, organization, django_capture_on_commit_callbacks, liaison
):
    raw: list[dict] = []
    for language in ("es", "ht", "ar"):
        answer_whole_survey(client, language)
        raw.append(web_means())

    text(client, "CAMERAS ES")
    for answer in SPANISH:
        text(client, answer)
    raw.append(SMS_MEANS)

    names = [q.name for q in body_cameras.current_version.questions.all()]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, restval="")
    writer.writeheader()
    writer.writerows(seeded_rows(500, seed=11))
    file_bytes = buffer.getvalue().encode("utf-8")
    batch = upload(body_cameras, advocate, organization, file_bytes, capture=django_capture_on_commit_callbacks)
    batch_import(batch=batch, only_valid=False)
    raw.extend(csv.DictReader(io.StringIO(file_bytes.decode("utf-8"))))

    channels = Counter(Response.objects.filter(survey=body_cameras).values_list("channel", flat=True))
    assert channels == {"web": 3, "sms": 1, "paper": 500}

    # Counted from the raw answers alone.
    expected: Counter = Counter()
    answered: Counter = Counter()
    for row in raw:
        for name in SEEDED_SINGLE:
            if row.get(name):
                expected[(name, row[name])] += 1
                answered[name] += 1
        for name in SEEDED_MULTIPLE:
            items = row.get(name, "").replace(";", " ").split()
            expected.update((name, item) for item in items)
            answered[name] += bool(items)

    results = selectors.results_compute(body_cameras, Response.objects.filter(survey=body_cameras), with_text=True)
    assert results["total"] == 504
    got: Counter = Counter()
    for result in results["questions"]:
        name = result["question"].name
        for row in result["rows"]:
            if row["count"]:
                got[(name, row["value"])] += row["count"]
        if name in SEEDED_SINGLE + SEEDED_MULTIPLE:
            assert result["answered"] == answered[name], name
    assert +got == +expected

    # The staff page shows the same numbers, and the export holds every response.
    sign_in(client, liaison)
    page = client.get("/en/work/surveys/body-cameras/results/")
    assert page.status_code == 200 and "504" in page.content.decode()
    export = client.get("/en/work/surveys/body-cameras/results/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 504
    exported = Counter((name, row[name]) for row in rows for name in SEEDED_SINGLE if row.get(name))
    assert exported == Counter({k: v for k, v in expected.items() if k[0] in SEEDED_SINGLE})
