from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    # The public: answer a survey, read a consultation's document, see results once closed.
    path("surveys/", views.index, name="index"),
    path("surveys/i/<str:code>/", views.invitation, name="invitation"),
    path("surveys/i/<str:code>/document/", views.invitation_document, name="invitation_document"),
    path("surveys/r/<str:token>/done/", views.done, name="done"),
    path("surveys/r/<str:token>/<int:section>/", views.section, name="section"),
    path("surveys/<slug:slug>/", views.start, name="start"),
    path("surveys/<slug:slug>/document/", views.document, name="document"),
    path("surveys/<slug:slug>/results/", views.public_results, name="public_results"),
    # Organisations and staff: interviews, paper batches, invitations, results, XLSForm.
    path("work/surveys/", views.work, name="work"),
    path("work/surveys/batches/<uuid:batch_id>/", views.batch_detail, name="batch_detail"),
    path("work/surveys/<slug:slug>/interview/", views.interview, name="interview"),
    path("work/surveys/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("work/surveys/<slug:slug>/batches/", views.batches, name="batches"),
    path("work/surveys/<slug:slug>/batches/template.csv", views.batch_template, name="batch_template"),
    path("work/surveys/<slug:slug>/results/", views.results, name="results"),
    path("work/surveys/<slug:slug>/results/export.<str:fmt>", views.results_export, name="results_export"),
    path("work/surveys/<slug:slug>/xlsform.xlsx", views.xlsform_export, name="xlsform_export"),
]
