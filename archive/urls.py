"""Public verification pages (/xac-thuc/)."""

from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.verify_form, name="verify"),
    path("<str:code>/", views.verify_code, name="verify_code"),
]
