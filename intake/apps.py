from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"

    def ready(self) -> None:
        from intake.conversation import ComplaintFlow, EmailComplaintFlow
        from messaging.flows import flow_register

        flow_register("complaint", ComplaintFlow())
        flow_register("complaint_email", EmailComplaintFlow())
