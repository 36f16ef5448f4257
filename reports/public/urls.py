"""Public URLs (Vietnamese paths), included before Wagtail's catch-all."""

from django.urls import path

from reports.public import views

app_name = "public"

urlpatterns = [
    path("ke-hoach/<int:page_id>/ban-ky-so.pdf", views.plan_pdf, name="plan_pdf"),
    path("tim-kiem/", views.search, name="search"),
]
