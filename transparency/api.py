"""The public statistics by API: the same published tables as the downloads."""

urlpatterns: list = []
