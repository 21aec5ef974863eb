from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("stats/", views.index, name="index"),
    path("stats/methodology/", views.methodology, name="methodology"),
    path("stats/data/", views.data, name="data"),
    path("stats/data/dictionary.<str:fmt>", views.dictionary, name="dictionary"),
    path("stats/data/<slug:table>.<str:fmt>", views.download, name="download"),
]
