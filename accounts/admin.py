from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.admin import OTPAdminSite

from accounts import roles
from accounts.models import ApiToken, Membership, Organization, User
from accounts.policy import is_verified
from accounts.services import TOKEN_PREFIX, api_token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organization",)


@admin.register(User)
class VocesUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Voces", {"fields": ("preferred_language",)}))
    inlines = (MembershipInline,)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "state", "is_active")
    search_fields = ("name", "city")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every person's tokens, for the admin role: seen and revoked, never made here nor edited (a
    token is made by its owner on /account/tokens/, the only place its secret is shown). Its hash
    is never shown."""

    list_display = ("name", "user", "shown_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "shown_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("Token"))
    def shown_prefix(self, token: ApiToken) -> str:
        return f"{TOKEN_PREFIX}{token.prefix}…"

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, actor=request.user)
        message = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
        self.message_user(request, message % {"count": len(tokens)}, messages.SUCCESS)

    @staticmethod
    def _is_admin(request) -> bool:
        return roles.ADMIN in roles.user_roles(request.user)

    def has_module_permission(self, request) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)  # every field is read-only: "change" is only the revoke action

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, not deleted: the audit log names it


class StaffAdminSite(OTPAdminSite):
    """The admin asks for the second factor too; signing in happens at the staff sign-in."""

    def login(self, request, extra_context=None):
        if self.has_permission(request):
            return redirect("admin:index")
        if request.user.is_authenticated and is_verified(request):
            # Signed in with both factors but not an admin user: sending them back would loop.
            raise PermissionDenied
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('staff:sign_in')}?{urlencode({'next': target})}")
