"""Webhooks out: an organisation's endpoints and their delivery log."""

urlpatterns: list = []
