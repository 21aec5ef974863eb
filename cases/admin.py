from django.contrib import admin

from cases.models import FootageEvent, FootagePause, FootageRequest


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PauseInline(ReadOnlyInline):
    model = FootagePause


class EventInline(ReadOnlyInline):
    model = FootageEvent


@admin.register(FootageRequest)
class FootageRequestAdmin(admin.ModelAdmin):
    """Read-only until the staff area: every change goes through cases.services, which enforces
    the workflow and the second reviewer."""

    list_display = ["reference", "status", "requester_type", "received_on", "perfected_on", "hold_until"]
    list_filter = ["status", "requester_type", "legal_basis"]
    search_fields = ["reference"]
    inlines = [PauseInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
