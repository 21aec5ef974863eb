from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite

from accounts.models import Membership, Organization, User
from accounts.policy import is_verified


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
