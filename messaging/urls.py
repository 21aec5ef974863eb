from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("status/", views.twilio_status, name="twilio_status"),
]
