from django.apps import AppConfig


class RecordTypeExampleConfig(AppConfig):
    name = "tests.recordtype_example"
    label = "recordtype_example"
    default_auto_field = "django.db.models.BigAutoField"
