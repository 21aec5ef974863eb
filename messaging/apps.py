from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from anymail.signals import inbound, tracking

        from messaging.views import anymail_inbound, anymail_tracking

        inbound.connect(anymail_inbound, dispatch_uid="voces-anymail-inbound")
        tracking.connect(anymail_tracking, dispatch_uid="voces-anymail-tracking")
