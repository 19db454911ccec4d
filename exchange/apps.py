from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exchange"
    verbose_name = "Data exchange"

    def ready(self) -> None:
        from exchange import formats, panels  # noqa: F401  (registers the formats and the panels)
