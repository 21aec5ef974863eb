"""The surveys API: a survey's definition in a language, responses one at a time or in batches,
and closed surveys' results with small counts hidden."""

urlpatterns: list = []
