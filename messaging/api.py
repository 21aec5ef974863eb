"""Webhooks out: an organisation's endpoints and their delivery log, for its members. Another
organisation's endpoint or delivery answers 404 exactly like a missing one."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.api import IdempotencyKeyParameter, allows, idempotent
from core.api import ApiError, error_responses
from core.errors import ApplicationError
from messaging import selectors, services
from messaging.models import WebhookDelivery, WebhookEndpoint

OrgMember = allows(policy.ORG_PORTAL)

EndpointIdParameter = OpenApiParameter("endpoint_id", int, OpenApiParameter.PATH, description="The webhook's id.")
DeliveryIdParameter = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="The delivery's id.")


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def _refused(exc: ApplicationError) -> ApiError:
    """A service's refusal, in the request's language (the service's message is translated)."""
    if exc.code == "inactive":
        return ApiError(409, "inactive", _("This webhook is turned off."))
    return ApiError(400, exc.code, exc.message, exc.extra.get("fields"))


# --- serializers ---


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField(source="organization.slug", help_text="The organisation's slug.")
    url = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookWithSecretOut(WebhookOut):
    secret = serializers.CharField(
        help_text="Shown only now: keep it to check the Voces-Signature header of every request."
    )


class WebhookIn(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// only, on a public address.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organization = serializers.SlugField(
        max_length=50, required=False, help_text="Needed only by members of several organisations: its slug."
    )


class WebhookAttemptOut(serializers.Serializer):
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's HTTP status, if it answered.")
    error = serializers.CharField(
        help_text="Empty, or why no answer came: timeout, connection, tls, url_scheme, url_dns, url_address, "
        "url_host, url_credentials, error."
    )
    duration_ms = serializers.IntegerField()


class WebhookDeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    event_id = serializers.UUIDField(help_text="The Voces-Event-Id header: the same on every retry and replay.")
    event = serializers.ChoiceField(choices=["complaint.status_changed", "webhook.test"])
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.values)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(help_text="Like an attempt's error, or endpoint_off.")
    delivered_at = serializers.DateTimeField(allow_null=True)
    replay_of = serializers.IntegerField(source="replay_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    payload = serializers.DictField(child=serializers.JSONField(), help_text="The JSON body sent.")
    attempt_log = WebhookAttemptOut(many=True)


# --- views ---


class WebhookListView(generics.ListAPIView):
    """The webhooks of the caller's organisations (GET), or a new one (POST)."""

    permission_classes = [OrgMember]
    serializer_class = WebhookOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's look at the model
            return WebhookEndpoint.objects.none()
        return selectors.webhook_endpoints_for(self.request.user)

    @extend_schema(operation_id="webhooks_list", responses={200: WebhookOut(many=True), **error_responses(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookIn,
        parameters=[IdempotencyKeyParameter],
        responses={201: WebhookWithSecretOut, **error_responses(400, 422)},
    )
    @idempotent
    def post(self, request):
        data = WebhookIn(data=request.data)
        data.is_valid(raise_exception=True)
        organizations = selectors.webhook_organizations(request.user)
        if not organizations:
            raise ApiError(400, "no_organization", _("Your account is not part of an organization."))
        slug = data.validated_data.get("organization")
        chosen = [o for o in organizations if o.slug == slug] if slug else organizations
        if len(chosen) != 1:
            message = _("Say which of your organizations this webhook is for.")
            raise ApiError(400, "organization", message, {"organization": [message]})
        try:
            endpoint, _secret = services.webhook_endpoint_create(
                organization=chosen[0],
                url=data.validated_data["url"],
                description=data.validated_data["description"],
                actor=request.user,
            )
        except ApplicationError as exc:
            raise _refused(exc) from None
        return Response(WebhookWithSecretOut(endpoint).data, status=201)


def _endpoint_or_404(request, endpoint_id: int):
    endpoint = selectors.webhook_endpoint_for(request.user, endpoint_id)
    if endpoint is None:
        raise _not_found()
    return endpoint


class WebhookDetailView(APIView):
    """One webhook (GET); DELETE turns it off (it stays listed, with its log)."""

    permission_classes = [OrgMember]
    serializer_class = WebhookOut

    @extend_schema(
        operation_id="webhooks_retrieve",
        parameters=[EndpointIdParameter],
        responses={200: WebhookOut, **error_responses(404)},
    )
    def get(self, request, endpoint_id: int):
        return Response(WebhookOut(_endpoint_or_404(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_deactivate",
        parameters=[EndpointIdParameter],
        responses={204: None, **error_responses(404)},
    )
    def delete(self, request, endpoint_id: int):
        services.webhook_endpoint_deactivate(endpoint=_endpoint_or_404(request, endpoint_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(APIView):
    """A new secret, shown once; the old one stops signing at once."""

    permission_classes = [OrgMember]
    serializer_class = WebhookWithSecretOut

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        request=None,
        parameters=[EndpointIdParameter, IdempotencyKeyParameter],
        responses={200: WebhookWithSecretOut, **error_responses(404, 409, 422)},
    )
    @idempotent
    def post(self, request, endpoint_id: int):
        try:
            endpoint, _secret = services.webhook_endpoint_rotate_secret(
                endpoint=_endpoint_or_404(request, endpoint_id), actor=request.user
            )
        except ApplicationError as exc:
            raise _refused(exc) from None
        return Response(WebhookWithSecretOut(endpoint).data)


class WebhookTestView(APIView):
    """Send a `webhook.test` event to this webhook now."""

    permission_classes = [OrgMember]
    serializer_class = WebhookDeliveryOut

    @extend_schema(
        operation_id="webhooks_test",
        request=None,
        parameters=[EndpointIdParameter, IdempotencyKeyParameter],
        responses={202: WebhookDeliveryOut, **error_responses(404, 409, 422)},
    )
    @idempotent
    def post(self, request, endpoint_id: int):
        try:
            delivery = services.webhook_endpoint_test(
                endpoint=_endpoint_or_404(request, endpoint_id), actor=request.user
            )
        except ApplicationError as exc:
            raise _refused(exc) from None
        return Response(WebhookDeliveryOut(delivery).data, status=202)


class WebhookDeliveriesView(generics.ListAPIView):
    """The delivery log of one webhook, newest first, each delivery with its tries."""

    permission_classes = [OrgMember]
    serializer_class = WebhookDeliveryOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.webhook_deliveries_of(_endpoint_or_404(self.request, self.kwargs["endpoint_id"]))

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[EndpointIdParameter],
        responses={200: WebhookDeliveryOut(many=True), **error_responses(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookDeliveryReplayView(APIView):
    """Send a delivery's event again: a new delivery with the same event id and body, signed anew."""

    permission_classes = [OrgMember]
    serializer_class = WebhookDeliveryOut

    @extend_schema(
        operation_id="webhooks_delivery_replay",
        request=None,
        parameters=[DeliveryIdParameter, IdempotencyKeyParameter],
        responses={202: WebhookDeliveryOut, **error_responses(404, 409, 422)},
    )
    @idempotent
    def post(self, request, delivery_id: int):
        delivery = selectors.webhook_delivery_for(request.user, delivery_id)
        if delivery is None:
            raise _not_found()
        try:
            replay = services.webhook_delivery_replay(delivery=delivery, actor=request.user)
        except ApplicationError as exc:
            raise _refused(exc) from None
        return Response(WebhookDeliveryOut(replay).data, status=202)


urlpatterns = [
    path("webhooks/", WebhookListView.as_view(), name="webhook_list"),
    path("webhooks/<int:endpoint_id>/", WebhookDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<int:endpoint_id>/rotate-secret/", WebhookRotateSecretView.as_view(), name="webhook_rotate_secret"),
    path("webhooks/<int:endpoint_id>/test/", WebhookTestView.as_view(), name="webhook_test"),
    path("webhooks/<int:endpoint_id>/deliveries/", WebhookDeliveriesView.as_view(), name="webhook_deliveries"),
    path(
        "webhooks/deliveries/<int:delivery_id>/replay/",
        WebhookDeliveryReplayView.as_view(),
        name="webhook_delivery_replay",
    ),
]
