from django.db.models import QuerySet

from accounts.models import Organization
from messaging.addresses import address_index
from messaging.models import OptOut, WebhookDelivery, WebhookEndpoint


def is_opted_out(*, channel: str, address: str) -> bool:
    return OptOut.objects.filter(channel=channel, address_index=address_index(channel, address)).exists()


# --- webhooks ---

MAX_ID = 2**63 - 1  # a bigger id in a URL would overflow the database's integer


def webhook_organizations(user) -> list[Organization]:
    """The active organisations `user` belongs to: whose webhooks they manage."""
    if not user.is_authenticated:
        return []
    return list(Organization.objects.filter(memberships__user=user, is_active=True).order_by("name", "pk"))


def webhook_endpoints_for(user) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the user's organisations, newest first, without their secrets."""
    return (
        WebhookEndpoint.objects.filter(organization__memberships__user=user, organization__is_active=True)
        .select_related("organization")
        .defer("secret")
        .order_by("-created_at", "-id")
    )


def webhook_endpoint_for(user, endpoint_id: int) -> WebhookEndpoint | None:
    """One endpoint of the user's organisations; None for any other, which must look the same as
    one that does not exist."""
    if not 0 < endpoint_id <= MAX_ID:
        return None
    return webhook_endpoints_for(user).filter(pk=endpoint_id).first()


def webhook_deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, each with its tries."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log").order_by("-created_at", "-id")
    )


def webhook_delivery_for(user, delivery_id: int) -> WebhookDelivery | None:
    """One delivery to an endpoint of the user's organisations; None for any other."""
    if not 0 < delivery_id <= MAX_ID:
        return None
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            endpoint__organization__memberships__user=user,
            endpoint__organization__is_active=True,
        )
        .select_related("endpoint__organization")
        .defer("endpoint__secret")
        .first()
    )
