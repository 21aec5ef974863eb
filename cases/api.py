"""Incidents and footage requests, for staff."""

urlpatterns: list = []
