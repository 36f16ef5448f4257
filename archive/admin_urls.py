from django.urls import path

from archive import admin_views

app_name = "archive_admin"

urlpatterns = [
    path("in/<int:page_id>/", admin_views.print_record, name="print"),
    path("goi-ho-so/", admin_views.package_index, name="packages"),
    path("goi-ho-so/<int:job_id>/tien-do/", admin_views.package_progress, name="progress"),
    path("goi-ho-so/<int:job_id>/tai-ve/", admin_views.package_download, name="download"),
]
