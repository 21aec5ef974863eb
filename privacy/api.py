"""The audit log, for auditors (and supervisors and admins: policy AUDIT_READ).

Reading it is not itself audited, as on the staff web's viewer (/staff/audit/): only its CSV export
is, being a copy that leaves. A client paging through everything reads what the viewer shows,
page by page, with the same right.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts import policy
from accounts.api import allows
from core.api import CursorPagination, error_responses
from privacy import selectors


class AuditQuery(serializers.Serializer):
    actor = serializers.CharField(required=False, max_length=150, help_text="A staff member's username.")
    action = serializers.CharField(
        required=False,
        max_length=64,
        help_text='An action code ("footage.released"), or the start of one ending in a dot ("footage.").',
    )
    object_type = serializers.CharField(required=False, max_length=64, help_text='e.g. "intake.complaint".')
    object_ref = serializers.CharField(required=False, max_length=32, help_text="A record's reference, e.g. C-000123.")
    date_from = serializers.DateField(required=False, help_text="From this day (in the site's time zone).")
    date_to = serializers.DateField(required=False, help_text="To this day, inclusive.")

    def validate_object_ref(self, value: str) -> str:
        return value.upper()

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The start date is after the end date.")]})
        return data


class AuditEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    object_ref = serializers.CharField()
    reason = serializers.CharField(help_text="The reason staff gave (for a reveal, say); may be empty.")
    data = serializers.JSONField(help_text="Codes and ids only, never personal details.")


class AuditPagination(CursorPagination):
    """Newest first, by (created_at, id): the viewer's order, on audit_created_id_idx."""


class AuditEventListView(generics.ListAPIView):
    """The audit log, newest first."""

    permission_classes = [allows(policy.AUDIT_READ)]
    serializer_class = AuditEventOut
    pagination_class = AuditPagination
    filter_backends: list = []  # AuditQuery's filters, applied by the selector

    def get_queryset(self):
        query = AuditQuery(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return selectors.audit_events(selectors.AuditFilters(**query.validated_data))

    @extend_schema(
        operation_id="staff_audit_event_list",
        parameters=[AuditQuery],
        responses={200: AuditEventOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [path("staff/audit-events/", AuditEventListView.as_view(), name="staff_audit_event_list")]
