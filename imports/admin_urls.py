from django.urls import path

from imports import views

app_name = "imports_admin"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/ap-dung/", views.apply, name="apply"),
    path("<int:pk>/tai-ve/", views.download, name="download"),
]
