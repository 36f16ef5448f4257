from django.urls import path

from reports import views

app_name = "reports_admin"

urlpatterns = [
    path("", views.report_screen, name="report"),
    path("xlsx/", views.report_download, name="xlsx"),
]
