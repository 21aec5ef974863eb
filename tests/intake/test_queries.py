import pytest

from intake.models import Draft
from intake.services import draft_file
from tests.intake.helpers import STEPS, VALID, post_step, start, submit, walk

pytestmark = pytest.mark.django_db

# Queries per page. A change here is a decision: an N+1 must not creep in.
STEP_GET = {"about": 1, "what": 1, "officers": 2, "people": 1, "story": 2, "contact": 1}
# Sending after the review page: one UPDATE. Without it (or stale): that UPDATE finding nothing,
# lookup, attachments (form), UPDATE. Filing (the worker): lock, attachments, counter (2 the
# first time), 4 inserts, audit, draft, savepoints.
ACCEPT_REVIEWED_QUERIES = 1
ACCEPT_QUERIES = 4
FILE_QUERIES = 14
STEP_POST = {"about": 2, "what": 2, "officers": 2, "people": 2, "story": 4, "contact": 2}


@pytest.mark.parametrize("step", STEPS)
def test_each_step_makes_a_fixed_number_of_queries(client, step, django_assert_num_queries):
    token = start(client)
    for earlier in STEPS[: STEPS.index(step)]:
        post_step(client, token, earlier, VALID[earlier])
    with django_assert_num_queries(STEP_GET[step]):
        assert client.get(f"/es/complaint/{token}/{step}/").status_code == 200
    with django_assert_num_queries(STEP_POST[step]):
        assert post_step(client, token, step, VALID[step]).status_code == 302


def test_the_review_page_makes_a_fixed_number_of_queries(client, django_assert_num_queries):
    token = walk(client)
    with django_assert_num_queries(3):  # draft, attachments, the input it checked kept
        assert client.get(f"/es/complaint/{token}/review/").status_code == 200


def test_submitting_makes_a_fixed_number_of_queries(client, django_assert_num_queries):
    token = walk(client)
    with django_assert_num_queries(ACCEPT_QUERIES):
        assert client.post(f"/es/complaint/{token}/review/").status_code == 302
    draft = Draft.objects.get()
    reviewed = walk(client)
    client.get(f"/es/complaint/{reviewed}/review/")
    with django_assert_num_queries(ACCEPT_REVIEWED_QUERIES):
        assert client.post(f"/es/complaint/{reviewed}/review/").status_code == 302
    with django_assert_num_queries(FILE_QUERIES):
        assert draft_file(draft_id=draft.pk) is not None


def test_the_status_page_makes_a_fixed_number_of_queries(client, django_assert_num_queries):
    token = walk(client)
    receipt = submit(client, token)
    with django_assert_num_queries(1):
        assert client.post("/es/status/", {"receipt": receipt}).status_code == 200
