"""Reads for casework."""

from datetime import date, timedelta

from cases import clock
from cases.models import FootageRequest, Incident

CANDIDATE_DAYS = 3


def footage_due(request: FootageRequest) -> date | None:
    """When the response is due: None until the request is perfected and while its clock is
    stopped."""
    if request.perfected_on is None:
        return None
    pauses = [clock.Pause(p.started_on, p.ended_on) for p in request.pauses.all()]
    return clock.response_due(
        perfected_on=request.perfected_on, extended=request.extended_on is not None, pauses=pauses
    )


def footage_expedited_due(request: FootageRequest) -> date | None:
    """When the decision on expedited processing is due, until it is made."""
    if not request.expedited_requested or request.expedited_granted is not None:
        return None
    return clock.expedited_decision_due(request.received_on)


def incident_candidates(complaint, *, limit: int = 10) -> list[Incident]:
    """Incidents a complaint may describe: the same field office and city, within 3 days of its
    date (of the incident's window); nearest first."""
    if complaint.incident_date is None or complaint.field_office_id is None:
        return []
    day, window = complaint.incident_date, timedelta(days=CANDIDATE_DAYS)
    found = (
        Incident.objects.filter(
            field_office_id=complaint.field_office_id,
            city__iexact=complaint.city,
            starts_on__lte=day + window,
            ends_on__gte=day - window,
        )
        .exclude(complaints=complaint)
        .order_by("starts_on", "pk")[:limit]
    )
    return sorted(found, key=lambda i: min(abs((i.starts_on - day).days), abs((i.ends_on - day).days)))
