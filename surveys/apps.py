from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from messaging.flows import flow_register
        from surveys.conversation import SurveyFlow, starts

        # A survey's keyword or an invitation code starts it by SMS or WhatsApp (not by email).
        flow_register("survey", SurveyFlow(), starts=starts, channels=("sms", "whatsapp"))
