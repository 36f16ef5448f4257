"""Mounted under the admin (accounts.wagtail_hooks), so the admin's login applies."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("xac-thuc-hai-lop/", views.two_factor_setup, name="two_factor_setup"),
    path("xac-minh/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "dat-lai-mat-khau/<int:staff_id>/",
        views.staff_password_reset_view,
        name="staff_password_reset",
    ),
    path(
        "dat-lai-xac-thuc-hai-lop/<int:staff_id>/",
        views.staff_two_factor_reset_view,
        name="staff_two_factor_reset",
    ),
]
