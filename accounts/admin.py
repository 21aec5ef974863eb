from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Membership, Organization, User


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
