from django.apps import AppConfig


class BrandConfig(AppConfig):
    """The brand kit (name, logo, colours, positioning) that emails and public pages read."""

    name = "tandem.brand"
    label = "brand"
    verbose_name = "Brand kit"
    default_auto_field = "django.db.models.BigAutoField"
