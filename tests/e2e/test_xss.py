"""XSS through every channel, read in Chromium. Payloads go into every free-text field a person or
a staff member can fill: the web form, SMS and WhatsApp conversations (signed Twilio webhooks),
an email (django-anymail's inbound signal), a phone call and the transcript staff type about it,
the API, survey answers (web, API, paper import) and staff's own words. A supervisor then opens
every page that shows them, contact details revealed. On each page: no dialog, no console
error, no Content-Security-Policy violation, no element or attribute from a payload, every
payload shown as the text it was, template syntax not evaluated, and a right-to-left override
unable to turn around the page's own words after it. Leaving by the quick exit tells the next
site nothing."""

import csv
import io
import itertools
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from accounts import roles
from accounts.services import api_token_create, organization_create
from cases.models import FootageRequest, Incident
from cases.services import incident_create_from
from intake.models import Complaint
from intake.services import complaint_submit
from surveys.models import Answer, Batch
from tests.e2e.test_staff import PASSWORD, code
from tests.factories import UserFactory
from tests.intake.test_services import complaint_input
from tests.intake.test_voice import ACCOUNT, BASE, TOKEN, Call, recording_path, wav
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
LINK = "javascript:alert(1)"
TEXTAREA = "</textarea><script>alert(1)</script>"
TEMPLATE = "{{7*7}} {% debug %}"
RLO = "\u202efdp.exe"  # shown as "exe.pdf"; last in every value, so only the page's own words can follow it
EVERY = " ".join([SCRIPT, IMG, SVG, LINK, TEXTAREA, TEMPLATE, RLO])


def typed(where: str, *payloads: str) -> str:
    """What goes into one field: where it went (to find it on a page), then the payloads."""
    return " ".join([f"[{where}]", *(payloads or [EVERY])])


def long_text(where: str) -> str:
    """10,000 characters of payloads, the right-to-left override last."""
    head, tail = f"[{where}] ", f" {RLO}"
    body = ((EVERY + " ") * (10_000 // len(EVERY) + 1))[: 10_000 - len(head) - len(tail)]
    text = head + body.rstrip() + "x" * (len(body) - len(body.rstrip())) + tail
    assert len(text) == 10_000
    return text


# What must never be on a page: an element or attribute a payload brought, a script that is not
# one of the site's own files, a javascript: URL.
MARKUP_FROM_PAYLOADS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(`${el.tagName} ${attr.name}`);
      if (/^\\s*javascript:/i.test(attr.value)) found.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
  }
  for (const script of document.scripts) {
    const own = script.src && new URL(script.src).origin === location.origin;
    if (!own) found.push(`script ${script.outerHTML.slice(0, 60)}`);
  }
  for (const el of document.querySelectorAll("img[src='x'], svg, iframe, object, embed, base, body meta")) {
    if (!(el.matches("meta[http-equiv=refresh]") && /^\\d+$/.test(el.content))) found.push(el.outerHTML.slice(0, 60));
  }
  return found;
}"""

# A right-to-left override typed by someone reverses what follows it up to the end of its
# paragraph: the page's own words after it (a name, a state, a date) must be isolated from it.
OVERRIDES_REACHING_PAGE_TEXT = """(typed) => {
  const override = /[\\u202a-\\u202e\\u2066-\\u2069]/;
  const isolates = (el) => {
    if (["BDI", "TEXTAREA", "INPUT", "SELECT", "OPTION", "BODY"].includes(el.tagName)) return true;
    const style = getComputedStyle(el);
    return !style.display.startsWith("inline") || ["isolate", "plaintext"].includes(style.unicodeBidi);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const found = [];
  nodes.forEach((node, i) => {
    if (!override.test(node.data)) return;
    let box = node.parentElement;
    while (!isolates(box)) box = box.parentElement;
    const end = node.data.lastIndexOf(typed);
    let after = end < 0 ? "" : node.data.slice(end + typed.length);
    for (let j = i + 1; j < nodes.length && box.contains(nodes[j]); j++) after += nodes[j].data;
    if (after.trim()) found.push(`<${box.tagName.toLowerCase()}> …${typed} | ${after.trim().slice(0, 40)}`);
  });
  return found;
}"""

CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) =>
  window.vocesCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));"""


@pytest.fixture
def guarded(watched_page):
    """watched_page, recording dialogs and Content-Security-Policy violations as well."""
    page = watched_page
    page.dialogs, page.violations = [], []

    def dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.expose_function("vocesCspViolation", lambda violation: page.violations.append(violation))
    page.add_init_script(CSP_LISTENER)
    return page


REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def assert_inert(page, *shown: str, refused: bool = False) -> str:
    """Nothing ran or became markup on this page, and each of `shown` is on it as text. A page
    that refuses what it was sent answers 400, which Chromium reports as a console error."""
    assert page.dialogs == [], page.url
    assert page.violations == [], page.url
    assert page.errors == ([REFUSED] if refused else []), page.url
    page.errors.clear()
    assert page.evaluate(MARKUP_FROM_PAYLOADS) == [], page.url
    assert page.evaluate(OVERRIDES_REACHING_PAGE_TEXT, RLO) == [], page.url
    text = page.locator("body").inner_text()
    for value in shown:
        assert value in text, (page.url, value[:40])
    return text


def assert_the_guards_see_an_attack(page) -> None:
    """Each guard catches what it is there for, on a real page under the site's policy."""
    page.evaluate("alert('probe')")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        '\'<p id=probe><img src="https://attacker.example/x.png"><a href="javascript:void(0)">x</a></p>\')'
    )
    page.wait_for_function("document.querySelector('#probe img').complete")
    page.wait_for_timeout(50)  # the violation event is dispatched after the load is refused
    assert page.dialogs == ["probe"]
    assert any(v.startswith("img-src https://attacker.example") for v in page.violations)
    assert page.evaluate(MARKUP_FROM_PAYLOADS) == ["A href=javascript:void(0)"]
    page.evaluate(
        "document.getElementById('probe').textContent = 'x\\u202ey'; "
        "document.getElementById('probe').append(document.createElement('span'), 'after')"
    )
    assert page.evaluate(OVERRIDES_REACHING_PAGE_TEXT, "\u202ey") != []
    page.dialogs.clear(), page.violations.clear(), page.errors.clear()
    page.reload()


def supervisor_with_payload_name() -> TOTPDevice:
    user = UserFactory(
        username="sara", role=roles.SUPERVISOR, password=PASSWORD, first_name=typed("staff", SVG), last_name=RLO
    )
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def staff_sign_in(page, base: str, device: TOTPDevice) -> None:
    page.goto(f"{base}/en/staff/")
    page.fill("input[name=username]", device.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.staff-sign-in button[type=submit]")
    page.fill("input[name=code]", code(device))
    page.click("form.staff-sign-in button[type=submit]")
    page.wait_for_url(f"{base}/en/staff/")


def submit(page, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


# --- the channels ---------------------------------------------------------------------------


WEB = {
    "organization_name": typed("web.organization", IMG, RLO),
    "city": typed("web.city", IMG, RLO),
    "officer_names": typed("web.officer_names"),
    "badge_numbers": typed("web.badge_numbers"),
    "vehicle_plates": LINK,
    "markings": typed("web.markings"),
    "injuries_description": typed("web.injuries"),
    "witnesses": typed("web.witnesses"),
    "narrative": long_text("web.narrative"),
    "name": typed("web.name", SVG, RLO),
    "email": '"<svg/onload=alert(1)>"@example.org',
    "best_times": typed("web.best_times", TEMPLATE, SCRIPT, RLO),
    "alternate_contact": typed("web.alternate_contact"),
    "added_later": typed("web.added_later"),
}


def file_on_the_web(page, base: str) -> Complaint:
    """The whole web form, payloads in every text box, then more words added by receipt."""
    page.goto(f"{base}/en/complaint/")
    page.click("form button[type=submit]")
    page.check("input[name=filer_role][value=advocate]")
    page.fill("input[name=organization_name]", WEB["organization_name"])
    page.check("input[name=on_behalf_consent]")
    submit(page, "form")
    page.fill("input[name=incident_date]", (timezone.localdate() - timedelta(days=2)).isoformat())
    page.check("input[name=time_of_day][value=afternoon]")
    page.fill("input[name=city]", WEB["city"])
    page.select_option("select[name=state]", "TX")
    page.check("input[name=place_type][value=workplace]")
    page.check("input[name=agency][value=unknown]")
    page.check("input[name=allegations][value=body_camera]")
    submit(page, "form")
    page.check("input[name=field_office][value=HOU]")
    for name in ("officer_names", "badge_numbers", "vehicle_plates", "markings"):
        page.fill(f"textarea[name={name}]", WEB[name])
    page.check("input[name=officers_masked][value=all]")
    page.check("input[name=body_camera_seen][value=yes]")
    page.check("input[name=body_camera_recording][value=no]")
    submit(page, "form")
    page.check("input[name=injuries][value=yes]")
    page.fill("textarea[name=injuries_description]", WEB["injuries_description"])
    page.check("input[name=medical_care][value=not_needed]")
    page.check("input[name=taken_into_custody][value=no]")
    page.fill("textarea[name=witnesses]", WEB["witnesses"])
    submit(page, "form")
    page.fill("textarea[name=narrative]", WEB["narrative"])
    page.check("input[name=wants][value=footage]")
    submit(page, "form")
    page.check("input[name=contact_choice][value=contact]")
    for name in ("name", "email", "best_times"):
        page.fill(f"input[name={name}]", WEB[name])
    page.fill("input[name=phone]", IMG)  # refused, and shown back in the box
    page.check("input[name=safe_to_message][value=yes]")
    page.fill("textarea[name=alternate_contact]", WEB["alternate_contact"])
    page.check("input[name=consent_contact]")
    submit(page, "form")
    assert_inert(page)
    assert page.input_value("input[name=phone]") == IMG
    page.fill("input[name=phone]", "(713) 555-0143")
    submit(page, "form")

    review = page.url
    shown = [value for key, value in WEB.items() if key not in ("email", "added_later")]
    assert_inert(page, *shown, WEB["email"])
    # Changing an answer shows it again inside its text box, where </textarea> would break out.
    page.goto(f"{review.removesuffix('review/')}officers/?from=review")
    assert_inert(page)
    for name in ("officer_names", "badge_numbers", "vehicle_plates", "markings"):
        assert page.input_value(f"textarea[name={name}]") == WEB[name]
    page.goto(review)
    page.click("form button[type=submit]")
    receipt = page.locator(".receipt").inner_text().strip()
    page.check("input[name=saved]")
    page.click("form button[type=submit]")

    page.goto(f"{base}/en/status/")
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    page.fill("textarea[name=text]", WEB["added_later"])
    submit(page, "form[action$='/status/add/']")
    assert_inert(page)
    return Complaint.objects.get(channel="web")


SIDS = itertools.count(1)


def text(client, sender: str, body: str) -> None:
    """One message from a phone, signed as Twilio signs it."""
    data = {"MessageSid": f"SM{next(SIDS):032d}", "From": sender, "To": "+15550009999", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}/twilio/sms/", data)
    assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


def converse(client, sender: str, where: str, city: str) -> list[str]:
    """A whole complaint by text, the story in two messages and a payload for the city."""
    story = [typed(f"{where}.story", SCRIPT, IMG, SVG), typed(f"{where}.story.more", LINK, TEXTAREA, TEMPLATE, RLO)]
    for body in ["Hello", "1", *story, "DONE", "yesterday", f"{city}, TX", "1 3", "1", "2", "2", "1", "1"]:
        text(client, sender, body)
    return story


EMAIL = {
    "subject": typed("email.subject", SCRIPT, IMG),
    "body": typed("email.body"),
    "display_name": typed("email.display_name", SVG),
    "address": '"<img/src=x/onerror=alert(1)>"@example.org',
}


def email(sender: str) -> None:
    """An email as the provider's inbound webhook hands it to django-anymail."""
    message = AnymailInboundMessage.construct(
        from_email=sender,
        to="quejas@voces.example.org",
        subject=EMAIL["subject"],
        text=EMAIL["body"],
        headers=[("Message-ID", "<xss-1@example.org>")],
    )
    inbound.send(sender=None, event=AnymailInboundEvent(message=message, event_type="inbound"), esp_name="Test")


def call(client, twilio) -> None:
    """A call in English: the story recorded, then hurt, may call back, camera not sure."""
    caller = Call(client, twilio, sid="CA" + "7" * 32)
    caller.start()
    caller.press("2")
    twilio.media[recording_path(71)] = wav()
    caller.record(71)
    caller.recording_ready(71)
    for key in "213":
        caller.press(key)


API = {
    "city": typed("api.city", SVG, RLO),
    "officer_names": typed("api.officer_names"),
    "badge_numbers": typed("api.badge_numbers"),
    "vehicle_plates": typed("api.vehicle_plates"),
    "markings": typed("api.markings"),
    "injuries_description": typed("api.injuries"),
    "witnesses": typed("api.witnesses"),
    "narrative": long_text("api.narrative"),
}
API_CONTACT = {
    "name": typed("api.name", IMG, RLO),
    "best_times": typed("api.best_times", TEXTAREA, RLO),
    "alternate_contact": typed("api.alternate_contact"),
    "email": '"<script>alert(1)</script>"@example.org',
}


def file_by_api(advocate) -> str:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=advocate, name=typed('token', SVG))[1]}")
    body = {
        "consent": {
            "given": True,
            "method": "verbal",
            "obtained_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "obtained_by": typed("api.consent_by", IMG),
        },
        "language": "en",
        "allegations": ["excessive_force"],
        "incident_date": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "state": "TX",
        "field_office": "HOU",
        **API,
        "contact": {**API_CONTACT, "phone": "", "safe_to_message": True},
        "consent_contact": True,
    }
    response = client.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY=typed("key", SCRIPT))
    assert response.status_code == 201, response.content
    return response.json()["reference"]


STAFF = {
    "reveal_reason": typed("staff.reveal_reason", SCRIPT, IMG, RLO),
    "note": long_text("staff.note"),
    "attempt_note": typed("staff.attempt_note"),
    "referral_body": typed("staff.referral_body", IMG, RLO),
    "referral_reference": typed("staff.ref", SVG, RLO),
    "incident_city": typed("staff.incident_city", SCRIPT, RLO),
    "incident_summary": long_text("staff.incident_summary"),
    "incident_tags": f"{SCRIPT}, {IMG}, {RLO}",
    "requester_name": typed("staff.requester_name", IMG, RLO),
    "requester_email": '"<svg/onload=alert(1)>"@example.net',
    "requester_address": typed("staff.requester_address"),
    "footage_reason": typed("staff.footage_reason", SVG, TEMPLATE, RLO),
    "letter_reason": typed("staff.letter_reason", TEXTAREA, RLO),
    "transcript": long_text("staff.transcript"),
    "transcript_language": typed("staff.language", SVG, RLO),
    "transcript_machine": typed("staff.machine", IMG, RLO),
    "export_actor": typed("staff.export_actor", SCRIPT, IMG),
}


def reveal(page, reason: str) -> None:
    page.fill("form[action$='/reveal/'] input[name=reason]", reason)
    submit(page, "form[action$='/reveal/']")


def test_payloads_from_every_channel_are_text_on_every_staff_page(guarded, live_server, client, settings, tmp_path):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.PUBLIC_BASE_URL = BASE
    settings.SMS_TRANSPORT = "tests.intake.test_conversation.RecordingTransport"
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    page, base = guarded, live_server.url

    organization = organization_create(name=typed("organization", IMG, RLO), slug="xss", city="Houston", state="TX")
    advocate = UserFactory(username="ana", role=roles.ADVOCATE, organization=organization)
    sms_story = converse(client, "+17135550161", "sms", f"{IMG} {RLO}".replace("(1)", "(document)"))
    whatsapp_story = converse(client, "whatsapp:+17135550162", "whatsapp", SVG.replace("(1)", "(document)"))
    email(f'"{EMAIL["display_name"]}" <{EMAIL["address"]}>')
    with FakeTwilio() as twilio:
        settings.TWILIO_API_BASE = twilio.url
        call(client, twilio)
    api_reference = file_by_api(advocate)
    web = file_on_the_web(page, base)
    complaints = {c.channel: c for c in Complaint.objects.all()}
    assert set(complaints) == {"web", "sms", "whatsapp", "email", "voice", "api"}
    assert complaints["api"].reference == api_reference

    device = supervisor_with_payload_name()
    staff_sign_in(page, base, device)
    assert_the_guards_see_an_attack(page)
    assert_inert(page, *(c.reference for c in complaints.values()))
    # Filters read from the address, shown back in the form and in its errors.
    reflected = {"status": SCRIPT, "caller_language": IMG, "older_than": SVG, "after": TEXTAREA, "size": TEMPLATE}
    page.goto(f"{base}/en/staff/?{urlencode(reflected)}")
    assert_inert(page, refused=True)

    # The web complaint: its words, then its contact details revealed.
    page.goto(f"{base}/en/staff/complaints/{web.reference}/")
    words = [
        v for k, v in WEB.items() if k not in ("organization_name", "name", "email", "best_times", "alternate_contact")
    ]
    assert_inert(page, *words, f"({WEB['organization_name']})")
    reveal(page, STAFF["reveal_reason"])
    assert_inert(page, WEB["name"], WEB["email"], WEB["best_times"], WEB["alternate_contact"], "+17135550143")

    # Staff's own words about it: a note, a contact attempt, a referral; all in the timeline.
    page.fill("#note-text", STAFF["note"])
    submit(page, "form[action$='/note/']")
    page.fill("#attempt-note", STAFF["attempt_note"])
    submit(page, "form[action$='/contact-attempt/']")
    page.select_option("#referral-body", "other")
    page.fill("#referral-other", STAFF["referral_body"])
    page.fill("#referral-ref", STAFF["referral_reference"])
    submit(page, "form[action$='/referrals/']")
    page.fill("#incident-reference", SVG)  # no such incident: the error names what was typed
    page.click("button[name=action][value=link]")
    page.wait_for_load_state()
    timeline = assert_inert(page, STAFF["note"], STAFF["attempt_note"], STAFF["referral_body"], SVG[:20])
    assert timeline.count(STAFF["referral_body"]) == 2  # the referral, and its line in the timeline
    assert page.input_value("input[id^='referral-'][id$='-ref']:not(#referral-ref)") == STAFF["referral_reference"]

    # Its incident, with staff's summary, tags and place.
    page.click("button[name=action][value=create]")
    incident = Incident.objects.get()
    page.goto(f"{base}/en/staff/incidents/{incident.reference}/")
    page.fill("#id_city", STAFF["incident_city"])
    page.fill("#id_tags", STAFF["incident_tags"])
    page.fill("#id_summary", STAFF["incident_summary"])
    submit(page, "form[action$='/edit/']")
    incident.refresh_from_db()
    assert incident.summary == STAFF["incident_summary"]
    assert_inert(page, STAFF["incident_city"], STAFF["incident_summary"], *incident.tags)
    assert page.input_value("#id_summary") == STAFF["incident_summary"]

    # A footage request for it, the requester revealed, and the printable letter.
    page.goto(f"{base}/en/staff/complaints/{web.reference}/")
    page.click(f"a[href*='footage/new/?complaint={web.reference}']")
    page.fill("#id_requester_name", STAFF["requester_name"])
    page.fill("#id_requester_email", STAFF["requester_email"])
    page.fill("#id_requester_address", STAFF["requester_address"])
    submit(page, "form[action$='/footage/new/']")
    footage = FootageRequest.objects.get()
    assert_inert(page, footage.reference)
    reveal(page, STAFF["footage_reason"])
    assert_inert(page, STAFF["requester_name"], STAFF["requester_email"], STAFF["requester_address"])
    page.fill("#letter-reason-acknowledgement", STAFF["letter_reason"])
    submit(page, "form:has(#letter-reason-acknowledgement)")
    assert_inert(page, STAFF["requester_name"], STAFF["requester_address"], footage.reference)

    # The call: staff type its transcript; a refused one comes back in its text box.
    voice = complaints["voice"]
    page.goto(f"{base}/en/staff/complaints/{voice.reference}/")
    page.select_option("#transcript-language", value="")
    page.fill("#transcript-language-other", STAFF["transcript_language"])
    page.fill("#transcript-text", STAFF["transcript"])
    page.check("input[name=method][value=machine]")
    submit(page, "form[action$='/transcripts/']")  # no machine named: refused
    assert_inert(page, refused=True)
    assert page.input_value("#transcript-text") == STAFF["transcript"]
    page.fill("#transcript-machine", STAFF["transcript_machine"])
    submit(page, "form[action$='/transcripts/']")
    assert_inert(page, STAFF["transcript"], STAFF["transcript_language"], STAFF["transcript_machine"])

    # The texts, the email and the API's complaint, contact details revealed.
    for channel, story in (("sms", sms_story), ("whatsapp", whatsapp_story)):
        page.goto(f"{base}/en/staff/complaints/{complaints[channel].reference}/")
        assert_inert(page, *story, complaints[channel].city)
    page.goto(f"{base}/en/staff/complaints/{complaints['email'].reference}/")
    reveal(page, STAFF["reveal_reason"])
    shown = assert_inert(page, EMAIL["subject"], EMAIL["body"], EMAIL["address"])
    assert EMAIL["display_name"] not in shown  # not kept: only the address is
    page.goto(f"{base}/en/staff/complaints/{api_reference}/")
    reveal(page, STAFF["reveal_reason"])
    assert_inert(page, *API.values(), *API_CONTACT.values(), f"({organization.name})")

    # The audit log: every reason given, the filters of an export, and its own filters shown back.
    exported = page.request.get(f"{base}/en/staff/audit/export.csv?{urlencode({'actor': STAFF['export_actor']})}")
    assert exported.ok and exported.headers["content-type"].startswith("text/csv"), (exported.url, exported.headers)
    page.goto(f"{base}/en/staff/audit/")
    log = assert_inert(
        page, STAFF["reveal_reason"], STAFF["footage_reason"], STAFF["letter_reason"], STAFF["export_actor"]
    )
    assert log.count(STAFF["reveal_reason"]) == 3
    reflected = {"actor": SCRIPT, "action": IMG, "object_ref": SVG[:20], "after": TEXTAREA, "date_from": TEMPLATE}
    page.goto(f"{base}/en/staff/audit/?{urlencode(reflected)}")
    assert_inert(page, refused=True)
    page.goto(f"{base}/en/staff/footage/")
    assert_inert(page, footage.reference)
    page.goto(f"{base}/en/staff/incidents/?{urlencode({'tag': SCRIPT, 'page': IMG})}")
    assert_inert(page)


# --- surveys --------------------------------------------------------------------------------


SURVEY = {
    "web": typed("survey.web"),
    "api": typed("survey.api"),
    "external_id": typed("survey.external_id", SCRIPT, RLO),
    "paper": typed("survey.paper"),
    "bad_file": typed("survey.bad_file", IMG, RLO),
    "good_file": typed("survey.good_file", SVG, RLO),
    "column": SVG,
}
PAPER_COLUMNS = ["contact", "safe_reporting", "trust_more", "form_id"]


def answer_on_the_web(page, base: str) -> None:
    page.goto(f"{base}/en/surveys/body-cameras/")
    page.click("form button[type=submit]")
    page.check("input[name=contact][value=no]")
    page.click("button[name=nav][value=next]")
    page.check("input[name=safe_reporting][value='3']")
    page.click("button[name=nav][value=next]")
    page.click("button[name=nav][value=next]")
    page.fill("textarea[name=trust_more]", SURVEY["web"])
    page.click("button[name=nav][value=next]")
    page.click("button[name=nav][value=back]")  # the answer comes back inside its text box
    assert_inert(page)
    assert page.input_value("textarea[name=trust_more]") == SURVEY["web"]
    page.click("button[name=nav][value=next]")
    page.click("button[name=nav][value=next]")
    assert page.url.endswith("/done/")


def answer_by_api(advocate) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=advocate, name='survey')[1]}")
    body = {
        "language": "en",
        "answers": {"contact": "no", "safe_reporting": "2", "trust_more": SURVEY["api"]},
        "respondent_consented": True,
        "field_office": "HOU",
        "external_id": SURVEY["external_id"],
    }
    response = client.post("/api/v1/surveys/body-cameras/responses/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload_paper(page, base: str, name: str, rows: list[list[str]]) -> Batch:
    page.goto(f"{base}/en/work/surveys/body-cameras/batches/")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    page.set_input_files(
        "input[name=file]", {"name": name, "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}
    )
    page.check("input[name=consent]")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url("**/work/surveys/batches/**")
    return Batch.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[1])


def test_survey_answers_from_the_web_the_api_and_paper_are_text_for_staff(
    guarded, live_server, body_cameras, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page, base = guarded, live_server.url
    organization = organization_create(name=typed("organization", IMG, RLO), slug="xss", city="Houston", state="TX")
    advocate = UserFactory(username="ana", role=roles.ADVOCATE, organization=organization)
    answer_on_the_web(page, base)
    response_id = answer_by_api(advocate)
    device = supervisor_with_payload_name()
    staff_sign_in(page, base, device)

    # A paper file with a column nobody asked for: named in the problems, nothing imported.
    bad = upload_paper(page, base, SURVEY["bad_file"], [[*PAPER_COLUMNS, SURVEY["column"]], ["no", "3", "x", "1", ""]])
    assert bad.status == Batch.Status.CHECKED and bad.rows_valid == 0
    assert "<img src=x onerror=alert(1)>" in bad.file_name  # the browser sends " as %22; Django drops the RLO
    assert_inert(page, bad.file_name, SURVEY["column"])
    good = upload_paper(page, base, SURVEY["good_file"], [PAPER_COLUMNS, ["no", "4", SURVEY["paper"], IMG]])
    assert_inert(page, good.file_name)
    page.click("form:has(input[value=import]) button[type=submit]")
    good.refresh_from_db()
    assert good.status == Batch.Status.IMPORTED and SVG in good.file_name
    assert_inert(page, good.file_name)
    page.goto(f"{base}/en/work/surveys/body-cameras/batches/")
    assert_inert(page, bad.file_name, good.file_name)

    page.goto(f"{base}/en/work/surveys/body-cameras/results/")
    assert_inert(page, SURVEY["web"], SURVEY["api"], SURVEY["paper"])
    assert Answer.objects.filter(question__name="trust_more").count() == 3

    # The responses of an incident: linked by a typed number, listed with their organisation.
    facts = complaint_input(
        incident_date=timezone.localdate(), city="Houston", state="TX", field_office_code="HOU", contact=None
    )
    complaint = complaint_submit(data=facts, channel="web", submission_key="web:xss").complaint
    incident = incident_create_from(complaint=complaint, actor=device.user)
    page.goto(f"{base}/en/staff/incidents/{incident.reference}/")
    for typed_number in (SVG, str(response_id)):
        page.fill("#response-id", typed_number)
        submit(page, "form:has(#response-id)")
    assert_inert(page, organization.name, SVG[:20], str(response_id))


# --- leaving ----------------------------------------------------------------------------------


class NeutralSite(ThreadingHTTPServer):
    """Another origin, standing in for the weather page the quick exit opens: it keeps the
    headers of every request it gets."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                body = b"<!doctype html><title>Weather</title><p>Sunny"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_quick_exit_tells_the_next_site_nothing(browser, live_server, settings, javascript):
    site = NeutralSite()
    settings.QUICK_EXIT_URL = f"http://127.0.0.1:{site.server_address[1]}/search?q=weather"
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/es/complaint/")
        page.click("form button[type=submit]")
        draft = page.url  # its token lets anyone holding it read the draft
        assert "/complaint/" in draft and draft.endswith("/about/")
        page.click(".quick-exit")
        page.wait_for_url(settings.QUICK_EXIT_URL)
    finally:
        context.close()
        site.shutdown()
        site.server_close()
    [request] = [seen for seen in site.seen if seen["path"].startswith("/search")]
    assert "referer" not in request and "origin" not in request
    assert not any(live_server.url.split("//")[1] in value or "complaint" in value for value in request.values())
