"""The complaints API: filing on behalf (organisations) and reading their own; staff lists and
reads with the web's masking and audit; the status of a receipt (public)."""

urlpatterns: list = []
