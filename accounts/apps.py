from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib import admin

        from accounts.admin import StaffAdminSite

        # The default site (and every ModelAdmin registered on it) keeps working, now asking
        # for the second factor.
        admin.site.__class__ = StaffAdminSite
