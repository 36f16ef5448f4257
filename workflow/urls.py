from django.urls import path

from workflow import views

urlpatterns = [
    path("ho-so/<int:page_id>/", views.record_detail, name="workflow_record"),
    path("ho-so/<int:page_id>/in/", views.record_print, name="workflow_record_print"),
    path(
        "ho-so/<int:page_id>/chuyen/<str:transition>/",
        views.record_transition,
        name="workflow_transition",
    ),
    path(
        "ho-so/<int:page_id>/de-nghi-sua/",
        views.correction_request,
        name="workflow_correction_request",
    ),
    path("ho-so/<int:page_id>/dieu-chinh/", views.lesson_adjustments, name="workflow_adjustments"),
    path(
        "bien-ban/<int:correction_id>/",
        views.correction_minutes,
        name="workflow_correction_minutes",
    ),
    path(
        "bien-ban/<int:correction_id>/<str:action>/",
        views.correction_action,
        name="workflow_correction_action",
    ),
    path("khoa-du-lieu/", views.locks, name="workflow_locks"),
    path("khoa-du-lieu/<int:lock_id>/mo/", views.lock_release, name="workflow_lock_release"),
    path("bat-thuong/", views.anomalies, name="workflow_anomalies"),
]
