import pytest

from intake.models import Complaint, Draft
from intake.services import draft_answers
from tests.intake.helpers import VALID, post_step, start, submit, walk

pytestmark = pytest.mark.django_db


def on_step(client, step, language="es"):
    token = start(client, language)
    from tests.intake.helpers import STEPS

    for earlier in STEPS[: STEPS.index(step)]:
        assert post_step(client, token, earlier, VALID[earlier], language).status_code == 302
    return token


@pytest.mark.parametrize(
    "step,change,field",
    [
        ("what", {"incident_date": "2099-01-01"}, "incident_date"),
        ("what", {"incident_date": "31/31/2026"}, "incident_date"),
        ("what", {"allegations": []}, "allegations"),
        ("what", {"state": "ZZ"}, "state"),
        ("officers", {"officer_count": "-3"}, "officer_count"),
        ("officers", {"officer_count": "100000"}, "officer_count"),
        ("officers", {"officer_count": "many"}, "officer_count"),
        ("officers", {"body_camera_seen": ""}, "body_camera_seen"),
        ("people", {"children_count": "9999"}, "children_count"),
        ("story", {"narrative": ""}, "narrative"),
        ("contact", {"contact_choice": "contact", "safe_to_message": "yes"}, "phone"),
        ("contact", {"contact_choice": "contact", "phone": "12", "safe_to_message": "yes"}, "phone"),
        ("contact", {"contact_choice": "contact", "email": "not-an-email", "safe_to_message": "yes"}, "email"),
    ],
)
def test_bad_answers_are_explained_next_to_the_field_and_in_a_summary(client, step, change, field):
    token = on_step(client, step)
    response = post_step(client, token, step, {**VALID[step], **change})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html or f'id="id_{field}_0_error"' in html or 'id="id_' in html
    assert 'class="error-summary"' in html
    assert f'href="#id_{field}' in html
    assert 'aria-invalid="true"' in html
    assert not Complaint.objects.exists()


def test_error_messages_are_in_the_language_of_the_page(client):
    token = on_step(client, "what", "es")
    html = post_step(client, token, "what", {**VALID["what"], "incident_date": "2099-01-01"}).content.decode()
    assert "This date is in the future" not in html
    assert "futuro" in html
    token = on_step(client, "what", "ht")
    html = post_step(client, token, "what", {}, "ht").content.decode()
    assert "This field is required" not in html
    assert "Please answer this question" not in html


def test_a_bad_answer_loses_none_of_the_other_answers(client):
    token = on_step(client, "what")
    post_step(client, token, "what", {**VALID["what"], "city": "Brownsville", "incident_date": "2099-01-01"})
    kept = draft_answers(Draft.objects.get())
    assert (
        kept["about"] == {**VALID["about"], "organization_name": ""} or kept["about"]["filer_role"] == "person_affected"
    )
    assert kept["what"]["city"] == "Brownsville"


def test_markup_is_stored_as_text_and_shown_escaped(client):
    script = '<script>alert("x")</script><b>bold</b>'
    token = walk(client, overrides={"story": {"narrative": script}})
    review = client.get(f"/es/complaint/{token}/review/").content.decode()
    assert "<script>alert" not in review
    assert "&lt;script&gt;alert" in review
    submit(client, token)
    assert Complaint.objects.get().narrative == script


def test_nothing_a_filer_sends_answers_500(client):
    token = start(client)
    weird = [
        {"filer_role": "x" * 5000},
        {"urgent": ["not-a-flag"]},
        {"filer_role": ["a", "b"]},
        {"incident_date": "\x00"},
    ]
    for data in weird:
        assert post_step(client, token, "about", data).status_code == 200
        assert post_step(client, token, "what", data).status_code == 200
    assert client.post("/es/complaint/bad token/review/").status_code == 404
    assert client.post("/es/status/", {"receipt": "\x00" * 100}).status_code == 400
