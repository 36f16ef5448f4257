"""Admin URLs of handed-in files, registered under /admin/ by wagtail_hooks (so the
access gate asks for a full login, second factor included)."""

from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("<int:file_id>/goc/", views.original, name="original"),
    path("<int:file_id>/pdf/", views.converted, name="converted"),
    path("<int:file_id>/trang/<int:page_number>.png", views.preview, name="preview"),
    path("<int:file_id>/tinh-trang/", views.status, name="status"),
]
