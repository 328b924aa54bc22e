from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "tandem.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from tandem.core import navigation
        from tandem.insights import views

        # The dashboard is Home: "/" serves it, and login lands there (tandem/core/navigation.py).
        navigation.register_home(views.home)
