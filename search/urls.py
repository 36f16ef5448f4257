"""Public URL of the JSON endpoint (anonymous visitors get the public scope)."""

from django.urls import path

from search import views

app_name = "search"
urlpatterns = [path("api/tim-kiem/", views.search_json, name="json")]
