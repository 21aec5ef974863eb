"""The audit log, for auditors."""

urlpatterns: list = []
