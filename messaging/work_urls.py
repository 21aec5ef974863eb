"""The webhook pages of an organisation's members, under /work/ (included in the language
prefixed URLs)."""

from django.urls import path

from messaging import views

app_name = "webhooks"
urlpatterns = [
    path("work/webhooks/", views.webhooks, name="list"),
    path("work/webhooks/<int:endpoint_id>/", views.webhook_detail, name="detail"),
    path("work/webhooks/<int:endpoint_id>/test/", views.webhook_test, name="test"),
    path("work/webhooks/<int:endpoint_id>/new-secret/", views.webhook_rotate, name="rotate"),
    path("work/webhooks/<int:endpoint_id>/off/", views.webhook_deactivate, name="deactivate"),
    path("work/webhooks/deliveries/<int:delivery_id>/send-again/", views.webhook_replay, name="replay"),
]
