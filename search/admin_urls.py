"""Admin URLs, registered by wagtail_hooks (Wagtail requires admin access)."""

from django.urls import path

from search import views

app_name = "search_admin"
urlpatterns = [
    path("", views.search_screen, name="screen"),
    path("json/", views.search_json, name="json"),
]
