from django.apps import AppConfig


class InfoConfig(AppConfig):
    name = "info"
    verbose_name = "Information pages"

    def ready(self):
        from info import signals  # noqa: F401 - connects the cache invalidation receivers
