from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tandem.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from tandem.core import navigation

        # Navigation contributed to the shell (tandem/core/navigation.py): everyone may hold their own tokens.
        navigation.register(
            navigation.NavEntry(
                key="api_tokens", label="API tokens", url_name="api:token_list", section="settings", icon="key",
                order=40, current=("api:token",),
            )
        )
