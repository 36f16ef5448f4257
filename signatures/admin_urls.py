from django.urls import path

from signatures import views

app_name = "signatures_admin"

urlpatterns = [
    path("", views.waiting, name="waiting"),
    path("ky/", views.sign, name="sign"),
    path("chuan-bi/", views.prepare, name="prepare"),
    path("hoan-tat/", views.finish, name="finish"),
    path("chung-thu/", views.certificates, name="certificates"),
]
