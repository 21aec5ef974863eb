"""Reads for casework."""

from datetime import date

from cases import clock
from cases.models import FootageRequest


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
