"""Footage requests: the workflow enforced, a second reviewer for every release, stale pages
refused, and the legal clock following pauses and extensions."""

from datetime import date

import pytest
from django.utils import timezone

from accounts import roles
from cases import workflow as w
from cases.models import FootageEvent, FootageRequest, RedactionItem
from cases.selectors import footage_due, footage_expedited_due
from cases.services import (
    footage_approve_release,
    footage_extend,
    footage_move,
    footage_pause,
    footage_redaction_set,
    footage_request_create,
    footage_resume,
)
from core.errors import ApplicationError
from privacy.models import AuditEvent
from tests.conftest import staff_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(monkeypatch):
    """Today is after every date these tests give: no date may be in the future."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2027, 2, 1))


@pytest.fixture
def request_(liaison):
    return footage_request_create(
        requester_type=FootageRequest.Requester.ATTORNEY,
        received_on=date(2026, 11, 20),
        perfected_on=date(2026, 11, 23),
        actor=liaison,
    )


def move(request, to, actor, **extra):
    request.refresh_from_db()
    return footage_move(request=request, to=to, actor=actor, version=request.version, **extra)


def check_everything(request, actor):
    """The redaction checklist complete, which a release and its approval need."""
    for item in RedactionItem.Item:
        request.refresh_from_db()
        footage_redaction_set(request=request, item=item, state="done", actor=actor, version=request.version)


def test_a_request_gets_a_reference_a_hold_and_its_first_event(request_, liaison, settings):
    assert request_.reference.startswith("FR-")
    assert request_.hold_issued_on == date(2026, 11, 20)
    assert (request_.hold_until - request_.hold_issued_on).days == settings.FOOTAGE_HOLD_DAYS
    assert list(FootageEvent.objects.values_list("status", flat=True)) == [w.RECEIVED]
    assert AuditEvent.objects.filter(action="footage.created", object_ref=request_.reference).exists()


def test_a_move_the_workflow_does_not_allow_changes_nothing(request_, liaison):
    with pytest.raises(ApplicationError) as refused:
        move(request_, w.RELEASED_FULL, liaison)
    assert refused.value.code == "transition"
    request_.refresh_from_db()
    assert request_.status == w.RECEIVED and request_.version == 1
    assert FootageEvent.objects.count() == 1


def test_a_stale_page_is_refused(request_, liaison):
    footage_move(request=request_, to=w.ACKNOWLEDGED, actor=liaison, version=1)
    with pytest.raises(ApplicationError) as refused:
        footage_move(request=request_, to=w.WITHDRAWN, actor=liaison, version=1)
    assert refused.value.code == "stale"
    request_.refresh_from_db()
    assert request_.status == w.ACKNOWLEDGED


def test_no_footage_needs_its_reason(request_, liaison):
    for to in (w.ACKNOWLEDGED, w.SEARCHING):
        move(request_, to, liaison)
    with pytest.raises(ApplicationError):
        move(request_, w.NO_FOOTAGE, liaison)
    done = move(request_, w.NO_FOOTAGE, liaison, no_footage_reason="not_activated")
    assert done.status == w.NO_FOOTAGE and done.no_footage_reason == "not_activated"


def test_a_release_needs_a_second_reviewer_who_is_not_the_preparer(request_, liaison, supervisor):
    for to in (w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED, w.REDACTION_REVIEW):
        move(request_, to, liaison)
    check_everything(request_, liaison)
    with pytest.raises(ApplicationError) as refused:
        move(request_, w.RELEASED_FULL, liaison)
    assert refused.value.code == "second_reviewer"
    # The preparer cannot approve their own release, even as a supervisor.
    request_.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        footage_approve_release(request=request_, approver=liaison, version=request_.version)
    assert refused.value.code in {"permission", "same_person"}
    other_supervisor = UserFactory(username="sam", role=roles.SUPERVISOR)
    request_.refresh_from_db()
    footage_approve_release(request=request_, approver=supervisor, version=request_.version)
    # The approver may not release it alone either: the release is the preparer's, or a third's.
    with pytest.raises(ApplicationError):
        move(request_, w.RELEASED_PARTIAL, supervisor, exemptions=("b6",))
    released = move(request_, w.RELEASED_PARTIAL, other_supervisor, exemptions=("b6", "b7C"))
    assert released.status == w.RELEASED_PARTIAL and released.exemptions == ["b6", "b7C"]
    assert AuditEvent.objects.filter(action="footage.release_approved").count() == 1
    assert AuditEvent.objects.filter(action="footage.released_partial").count() == 1


def test_an_approval_records_the_preparer_and_the_second_reviewer(request_, liaison, supervisor):
    for to in (w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED, w.REDACTION_REVIEW):
        move(request_, to, liaison)
    check_everything(request_, liaison)
    request_.refresh_from_db()
    footage_approve_release(request=request_, approver=supervisor, version=request_.version)
    request_.refresh_from_db()
    assert request_.approved_by == supervisor and request_.prepared_by == liaison


def test_the_due_date_follows_pauses_and_the_extension(request_, liaison, later):
    assert footage_due(request_) == date(2026, 12, 22)  # 20 working days, Thanksgiving skipped
    footage_pause(request=request_, on=date(2026, 11, 30), actor=liaison, version=1)
    request_.refresh_from_db()
    assert footage_due(request_) is None
    with pytest.raises(ApplicationError):
        footage_pause(request=request_, on=date(2026, 12, 1), actor=liaison, version=request_.version)
    footage_resume(request=request_, on=date(2026, 12, 4), actor=liaison, version=request_.version)
    request_.refresh_from_db()
    assert footage_due(request_) == date(2026, 12, 29)  # four working days later (1–4 Dec); 25 Dec skipped
    footage_extend(request=request_, on=date(2026, 12, 10), actor=liaison, version=request_.version)
    request_.refresh_from_db()
    assert footage_due(request_) == date(2027, 1, 13)  # ten more: New Year skipped
    with pytest.raises(ApplicationError):
        footage_extend(request=request_, on=date(2026, 12, 11), actor=liaison, version=request_.version)


def test_an_expedited_request_is_decided_within_ten_days(liaison, later):
    request = footage_request_create(
        requester_type=FootageRequest.Requester.JOURNALIST,
        received_on=date(2026, 12, 24),
        expedited_requested=True,
        actor=liaison,
    )
    assert footage_expedited_due(request) == date(2027, 1, 3)
    assert footage_due(request) is None  # not perfected yet


def test_the_admin_shows_requests_but_changes_nothing(client, request_):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    staff_login(client, admin)
    assert request_.reference in client.get("/admin/cases/footagerequest/").content.decode()
    assert client.get(f"/admin/cases/footagerequest/{request_.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/cases/footagerequest/{request_.pk}/change/", {"status": "released_full"}).status_code
        == 403
    )
    assert client.get("/admin/cases/footagerequest/add/").status_code == 403
