from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("sms/", views.twilio_sms, name="twilio_sms"),
    path("status/", views.twilio_status, name="twilio_status"),
]
