"""Twilio's voice webhooks for the complaint line, outside the language-prefixed site."""

from django.urls import path

from intake import views

app_name = "voice"
urlpatterns = [
    path("", views.voice_start, name="start"),
    path("status/", views.voice_status, name="status"),
    path("recording/", views.voice_recording, name="recording"),
    path("prompt/<int:pk>/", views.voice_prompt, name="prompt"),
    # The steps of intake/voice.py; the names above are none of them.
    path("<slug:step>/", views.voice_step, name="step"),
]
