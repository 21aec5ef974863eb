from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("complaint/", views.start, name="start"),
    path("complaint/<str:token>/review/", views.review, name="review"),
    path("complaint/<str:token>/receipt/", views.receipt, name="receipt"),
    path("complaint/<str:token>/<slug:step>/", views.step, name="step"),
    path("status/", views.status, name="status"),
    path("status/add/", views.status_add, name="status_add"),
    path("status/withdraw/", views.status_withdraw, name="status_withdraw"),
    # An organisation's own complaints (the advocate role).
    path("work/complaints/", views.work_complaints, name="work_complaints"),
    path("work/complaints/<str:reference>/", views.work_complaint, name="work_complaint"),
]
