from django.urls import path

from imports import rollover_views, views

app_name = "imports_admin"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/ap-dung/", views.apply, name="apply"),
    path("<int:pk>/tai-ve/", views.download, name="download"),
    path("chuyen-nam-hoc/", rollover_views.preview, name="rollover"),
    path("chuyen-nam-hoc/ap-dung/", rollover_views.apply, name="rollover_apply"),
]
