"""Nothing a person can send answers 500: odd values for every field of every public form."""

import random

import pytest

from intake.forms import STEP_FORMS
from tests.intake.helpers import STEPS, VALID, post_step, start

pytestmark = pytest.mark.django_db

ODD = [
    "",
    " ",
    "\x00",
    "\u202e\u200b",
    "😀" * 50,
    "x" * 30_000,
    "-1",
    "1e309",
    "9" * 40,
    "２０２６-１０-０３",
    "2026-02-30",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "٣",
    "None",
    "[]",
]


def odd_data(step: str, rng: random.Random) -> dict:
    form = STEP_FORMS[step]
    data = {}
    for name in form.base_fields:
        choice = rng.random()
        if choice < 0.3:
            continue
        data[name] = [rng.choice(ODD) for _ in range(rng.randint(1, 3))] if choice < 0.5 else rng.choice(ODD)
    return data


@pytest.mark.parametrize("seed", range(6))
def test_odd_answers_on_every_step_never_answer_500(client, seed):
    rng = random.Random(seed)
    token = start(client)
    for step in STEPS:
        response = post_step(client, token, step, odd_data(step, rng))
        assert response.status_code in (200, 302), (step, response.status_code)
        post_step(client, token, step, VALID[step])
    for page in ["review", "receipt"]:
        assert client.post(f"/es/complaint/{token}/{page}/", {"saved": rng.choice(ODD)}).status_code < 500


@pytest.mark.parametrize("value", ODD)
def test_odd_receipts_on_the_status_pages_never_answer_500(client, value):
    for path in ["/es/status/", "/es/status/add/", "/es/status/withdraw/"]:
        response = client.post(path, {"receipt": value, "text": value, "confirm": value})
        assert response.status_code < 500, (path, value)


@pytest.mark.parametrize("path", ["/es/complaint/", "/es/status/", "/es/", "/es/privacy/", "/healthz"])
def test_unexpected_methods_are_refused_cleanly(client, path):
    assert client.put(path).status_code == 405
    assert client.delete(path).status_code == 405
