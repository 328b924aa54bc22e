from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "tandem.exports"
    label = "exports"
    verbose_name = "Exports"
