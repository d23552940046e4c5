from django.urls import path

from conscripts import views as conscript_views

from . import upload_views, views

app_name = "reports"
urlpatterns = [
    path("new/", views.report_new, name="new"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
    path("receipt/<str:token>/reply/", views.receipt_reply, name="receipt-reply"),
    path("request/<int:pk>/", views.request_new, name="request"),
    path("leads/", views.leads, name="leads"),
    path("leads/<int:pk>/confirm/", views.hit_confirm, name="hit-confirm"),
    path("leads/<int:pk>/dismiss/", views.hit_dismiss, name="hit-dismiss"),
    path("queue/", views.queue, name="queue"),
    path("queue/reject/", views.bulk_reject, name="bulk-reject"),
    path("upload/", upload_views.upload_new, name="upload"),
    path("upload/<int:pk>/", upload_views.upload_detail, name="upload-detail"),
    path("upload/<int:pk>/status/", upload_views.upload_status, name="upload-status"),
    path("upload/<int:pk>/problems.csv", upload_views.upload_problems, name="upload-problems"),
    # Moved to /people/ (conscripts owns people and evidence); kept for old forms.
    path("people/merge/", conscript_views.conscripts_merge),
    path("evidence/<int:pk>/retract/", conscript_views.evidence_retract),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/photo/", views.report_photo, name="photo"),
    path("<int:pk>/claim/", views.report_claim, name="claim"),
    path("<int:pk>/release/", views.report_release, name="release"),
    path("<int:pk>/approve/", views.report_approve, name="approve"),
    path("<int:pk>/merge/", views.report_merge, name="merge"),
    path("<int:pk>/reject/", views.report_reject, name="reject"),
    path("<int:pk>/duplicate/", views.report_duplicate, name="duplicate"),
    path("<int:pk>/request-info/", views.report_request_info, name="request-info"),
    path("<int:pk>/correct/", views.report_correct, name="correct"),
    path("<int:pk>/hide/", views.report_hide, name="hide"),
    path("<int:pk>/decline/", views.report_decline, name="decline"),
]
