"""A filer walking the web form with the Django test client."""

import re

from django.test import TestCase

VALID = {
    "about": {"filer_role": "person_affected", "urgent": []},
    "what": {
        "incident_date": "2026-10-03",
        "time_of_day": "morning",
        "city": "Houston",
        "state": "GA",
        "place_type": "home",
        "agency": "ice_ero",
        "allegations": ["excessive_force", "body_camera"],
    },
    "officers": {
        "officer_count": "4",
        "officer_names": "Officer Smith",
        "badge_numbers": "4471",
        "vehicle_plates": "TX 9KD-221",
        "markings": "POLICE ICE",
        "officers_masked": "some",
        "body_camera_seen": "no",
        "body_camera_recording": "unknown",
    },
    "people": {
        "adults_count": "2",
        "children_count": "1",
        "injuries": "yes",
        "injuries_description": "My arm was bruised.",
        "medical_care": "denied",
        "taken_into_custody": "no",
        "witnesses": "",
    },
    "story": {"narrative": "They pushed my door open at 6 in the morning.", "wants": ["investigation", "footage"]},
    "contact": {"contact_choice": "anonymous", "contact_language": "es", "consent_statistics": "on"},
}
STEPS = list(VALID)


def start(client, language="es") -> str:
    response = client.post(f"/{language}/complaint/")
    assert response.status_code == 302, response.content[:500]
    match = re.match(rf"/{language}/complaint/([^/]+)/about/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def post_step(client, token, step, data, language="es", **extra):
    return client.post(f"/{language}/complaint/{token}/{step}/", data, **extra)


def walk(client, language="es", overrides=None, files=None) -> str:
    """Fill every step; return the draft token, ready for review."""
    token = start(client, language)
    for step in STEPS:
        data = {**VALID[step], **(overrides or {}).get(step, {})}
        if step == "story" and files:
            data["files"] = files
        response = post_step(client, token, step, data, language)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    return token


def submit(client, token, language="es", filed=True) -> str:
    """Send the form and return the receipt; with filed, the worker's task has run too (it runs
    after commit, which a test inside a transaction only sees through this capture)."""
    with TestCase.captureOnCommitCallbacks(execute=filed):
        response = client.post(f"/{language}/complaint/{token}/review/")
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(f"/{language}/complaint/{token}/receipt/").content.decode()
    digits = re.search(r'class="receipt"[^>]*>([\d ]+)<', page).group(1)
    return digits.replace(" ", "")
