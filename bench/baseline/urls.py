from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from bench.baseline import views

app_name = "bench_baseline"
urlpatterns = [
    path("", require_GET(views.tiny_get), name="get"),
    path("post/", require_POST(views.tiny_post), name="post"),
]
