"""Reads for surveys: which surveys a person may answer or run, and whose responses they see."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.models import Organization
from surveys.models import Invitation, Response, Survey, SurveyVersion


def surveys_open_public() -> list[Survey]:
    """Open surveys anyone may answer, newest first."""
    now = timezone.now()
    return list(
        Survey.objects.filter(status=Survey.Status.OPEN, audience=Survey.Audience.PUBLIC)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("-created_at")
    )


def survey_is_open(survey: Survey) -> bool:
    now = timezone.now()
    return (
        survey.status == Survey.Status.OPEN
        and (survey.opens_at is None or survey.opens_at <= now)
        and (survey.closes_at is None or survey.closes_at > now)
    )


def survey_by_slug(slug: str) -> Survey | None:
    return Survey.objects.filter(slug=slug).exclude(status=Survey.Status.DRAFT).first()


def survey_by_keyword(word: str) -> Survey | None:
    word = word.strip().upper()
    return Survey.objects.filter(keyword=word).first() if word else None


def invitation_by_code(code: str) -> Invitation | None:
    code = code.strip().upper()
    if not code:
        return None
    return Invitation.objects.select_related("survey", "organization").filter(code=code, is_active=True).first()


def version_current(survey: Survey) -> SurveyVersion | None:
    return survey.current_version


def user_is_survey_staff(user) -> bool:
    """Liaison staff and supervisors see every response, free text included."""
    return bool(user_roles_cached(user) & {roles.LIAISON, roles.SUPERVISOR})


def user_roles_cached(user) -> set[str]:
    if not hasattr(user, "_voces_roles"):
        user._voces_roles = roles.user_roles(user)
    return user._voces_roles


def user_organizations(user) -> list[Organization]:
    if not user.is_authenticated:
        return []
    return list(Organization.objects.filter(memberships__user=user, is_active=True).order_by("name"))


def surveys_for_runner(user) -> list[Survey]:
    """Surveys a person may collect answers for or read results of: every one for staff; for an
    organisation's member, public ones and those their organisation is invited to."""
    queryset = Survey.objects.exclude(status=Survey.Status.DRAFT).order_by("-created_at")
    if user_is_survey_staff(user):
        return list(queryset)
    if not user.has_perm("accounts.run_surveys"):
        return []
    organizations = user_organizations(user)
    if not organizations:
        return []
    return list(
        queryset.filter(Q(audience=Survey.Audience.PUBLIC) | Q(organizations__in=organizations)).distinct()
    )


def organizations_for_runner(user, survey: Survey) -> list[Organization]:
    """The organisations a person may collect answers for on a survey."""
    organizations = user_organizations(user)
    if survey.audience == Survey.Audience.INVITED:
        invited = set(survey.organizations.values_list("pk", flat=True))
        organizations = [o for o in organizations if o.pk in invited]
    return organizations


def responses_visible_to(user, survey: Survey) -> QuerySet[Response]:
    """Staff see every response; an organisation sees those it collected or invited."""
    queryset = Response.objects.filter(survey=survey)
    if user_is_survey_staff(user):
        return queryset
    return queryset.filter(organization__in=user_organizations(user))
