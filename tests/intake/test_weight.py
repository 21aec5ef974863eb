import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from tests.intake.helpers import STEPS, VALID, post_step, start, submit, walk

pytestmark = pytest.mark.django_db
BUDGET = 50 * 1024


def weight(client, url, method="get", data=None) -> int:
    response = getattr(client, method)(url, data or {}, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, url
    body = response.content
    html = gzip.decompress(body).decode() if response.get("Content-Encoding") == "gzip" else body.decode()
    for url_ in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url_.startswith(("/", "#", "sms:", "tel:", "https://www.google.com/")), url_
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    return len(body) + sum(len(gzip.compress(open(finders.find(path), "rb").read())) for path in assets)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_form_page_weighs_under_50_kb(client, language):
    token = start(client, language)
    pages = [f"/{language}/complaint/"]
    for step in STEPS:
        pages.append(f"/{language}/complaint/{token}/{step}/")
        post_step(client, token, step, VALID[step], language)
    pages += [f"/{language}/complaint/{token}/review/", f"/{language}/status/"]
    for page in pages:
        assert weight(client, page) < BUDGET, page


def test_the_receipt_and_status_pages_weigh_under_50_kb(client):
    token = walk(client, "ar")
    receipt = submit(client, token, "ar")
    assert weight(client, f"/ar/complaint/{token}/receipt/") < BUDGET
    assert weight(client, "/ar/status/", "post", {"receipt": receipt}) < BUDGET
