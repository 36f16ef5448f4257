from django.urls import path

from signatures import chains_view, views

app_name = "signatures_admin"

urlpatterns = [
    path("", views.waiting, name="waiting"),
    path("ky/", views.sign, name="sign"),
    path("chuan-bi/", views.prepare, name="prepare"),
    path("hoan-tat/", views.finish, name="finish"),
    path("chung-thu/", views.certificates, name="certificates"),
    path("quy-trinh/", chains_view.chains_view, name="chains"),
]
