from django.urls import path

from accounts import views as accounts_views
from cases import views

app_name = "staff"
urlpatterns = [
    # Signing in: password, then the second factor (accounts/views.py).
    path("sign-in/", accounts_views.staff_sign_in, name="sign_in"),
    path("verify/", accounts_views.staff_verify, name="verify"),
    path("two-factor/", accounts_views.staff_two_factor, name="two_factor"),
    path("two-factor/recovery-codes/", accounts_views.staff_recovery_codes, name="recovery_codes"),
    path("sign-out/", accounts_views.staff_sign_out, name="sign_out"),
    # The queue.
    path("", views.queue, name="queue"),
    path("assign/", views.queue_assign, name="queue_assign"),
    # One complaint.
    path("complaints/<str:reference>/", views.complaint, name="complaint"),
    path("complaints/<str:reference>/move/", views.complaint_move, name="complaint_move"),
    path("complaints/<str:reference>/assign/", views.complaint_assign, name="complaint_assign"),
    path("complaints/<str:reference>/reveal/", views.complaint_reveal, name="complaint_reveal"),
    path("complaints/<str:reference>/note/", views.complaint_note, name="complaint_note"),
    path(
        "complaints/<str:reference>/contact-attempt/", views.complaint_contact_attempt, name="complaint_contact_attempt"
    ),
    path("complaints/<str:reference>/referrals/", views.complaint_referral_add, name="complaint_referral_add"),
    path(
        "complaints/<str:reference>/referrals/<int:referral_id>/",
        views.complaint_referral_update,
        name="complaint_referral_update",
    ),
    path("complaints/<str:reference>/merge/", views.complaint_merge, name="complaint_merge"),
    path(
        "complaints/<str:reference>/attachments/<int:attachment_id>/",
        views.complaint_attachment,
        name="complaint_attachment",
    ),
    path("complaints/<str:reference>/incident/", views.complaint_incident, name="complaint_incident"),
    path("complaints/<str:reference>/transcripts/", views.complaint_transcript_add, name="complaint_transcript_add"),
    # Incidents.
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/<str:reference>/", views.incident, name="incident"),
    path("incidents/<str:reference>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<str:reference>/merge/", views.incident_merge, name="incident_merge"),
    path("incidents/<str:reference>/responses/", views.incident_responses, name="incident_responses"),
    # Footage requests.
    path("footage/", views.footage_list, name="footage_list"),
    path("footage/new/", views.footage_new, name="footage_new"),
    path("footage/<str:reference>/", views.footage, name="footage"),
    path("footage/<str:reference>/move/", views.footage_move, name="footage_move"),
    path("footage/<str:reference>/clock/", views.footage_clock, name="footage_clock"),
    path("footage/<str:reference>/redaction/", views.footage_redaction, name="footage_redaction"),
    path("footage/<str:reference>/approve/", views.footage_approve, name="footage_approve"),
    path("footage/<str:reference>/letter/", views.footage_letter, name="footage_letter"),
    path("footage/<str:reference>/reveal/", views.footage_reveal, name="footage_reveal"),
    path("deadlines/", views.deadlines, name="deadlines"),
    # The audit log.
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
