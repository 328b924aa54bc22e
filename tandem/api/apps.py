from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tandem.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from tandem.core import audit, navigation

        audit.register_object_models("api.apitoken")
        audit.register_event_labels(
            {"api_token_created": "API token created", "api_token_revoked": "API token revoked"}
        )
        # Navigation contributed to the shell (tandem/core/navigation.py): everyone may hold their own tokens.
        navigation.register(
            navigation.NavEntry(
                key="api_tokens",
                label="API tokens",
                url_name="api:token_list",
                section="settings",
                icon="key",
                order=40,
                current=("api:token",),
            )
        )
