import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from surveys.models import Question, Response, Survey
from surveys.services import response_submit, survey_define, survey_draft_version, survey_version_publish

CONSULTATION = {
    "title": {"en": "Draft rules for body-camera videos (demo consultation)"},
    "description": {"en": "A draft of the rules for who may watch body-camera videos. Tell us what you think."},
    "document": {
        "en": "1. Agents record every contact with the public, from start to end.\n\n"
        "2. A person filmed, or their family or lawyer, can ask for the video. The answer comes within "
        "20 working days.\n\n"
        "3. Before a video is shared, faces of children and bystanders are blurred.\n\n"
        "4. Videos are kept for 18 months, longer when there is a complaint."
    },
    "sections": {"1": {"en": "The draft rules"}},
    "questions": [
        {
            "name": "rule_record",
            "kind": "scale",
            "required": True,
            "label": {"en": "Rule 1: how much do you agree?"},
            "hint": {"en": "1 means not at all. 5 means completely."},
        },
        {"name": "rule_ask", "kind": "scale", "label": {"en": "Rule 2: how much do you agree?"}},
        {
            "name": "rule_blur",
            "kind": "yes_no",
            "label": {"en": "Rule 3: is blurring faces enough to protect children?"},
        },
        {"name": "comment", "kind": "long_text", "label": {"en": "What would you change in these rules?"}},
    ],
}


class Command(BaseCommand):
    help = "Demo survey answers (on the seeded survey) and a closed demo consultation. Development only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo_surveys only runs with DEBUG on.")
        randomizer = random.Random(7)  # noqa: S311 (demo answers, repeatable)
        organization = Organization.objects.order_by("pk").first()
        with transaction.atomic():
            seeded = Survey.objects.get(slug="body-cameras")
            added = self.answers(seeded, 160, randomizer, organization)
            consultation = Survey.objects.filter(slug="footage-rules-demo").first()
            if consultation is None:
                consultation = survey_define(slug="footage-rules-demo", definition=CONSULTATION)
                survey_version_publish(version=survey_draft_version(survey=consultation))
                consultation.status = Survey.Status.OPEN
                consultation.save(update_fields=["status"])
            added += self.answers(consultation, 140, randomizer, organization)
            consultation.status, consultation.closes_at = Survey.Status.CLOSED, timezone.now()
            consultation.save(update_fields=["status", "closes_at"])
        self.stdout.write(f"Demo survey answers added: {added}")

    def answers(self, survey, count, randomizer, organization) -> int:
        if Response.objects.filter(survey=survey, submission_key__startswith="demo:").exists():
            return 0
        version = survey.current_version
        questions = list(version.questions.prefetch_related("choices"))
        languages = [code for code, _name in settings.LANGUAGES]
        for number in range(count):
            answers = {}
            for question in questions:
                if not question.required and randomizer.random() < 0.1:
                    continue
                answers[question.name] = self.pick(question, randomizer)
            language = randomizer.choice(languages[:3] * 4 + languages)
            channel = randomizer.choice(["web", "web", "sms", "paper"])
            response_submit(
                version=version,
                answers=answers,
                channel=channel,
                language=language,
                submission_key=f"demo:{survey.slug}:{number}",
                organization=organization if channel == "paper" else None,
            )
        return count

    @staticmethod
    def pick(question, randomizer):
        kind = question.kind
        values = [choice.value for choice in question.choices.all()]
        if kind == Question.Kind.YES_NO:
            return randomizer.choice(["yes", "no"])
        if kind == Question.Kind.SCALE:
            return str(randomizer.choice([1, 2, 2, 3, 3, 4, 5]))
        if kind == Question.Kind.SINGLE:
            return randomizer.choice(values)
        if kind == Question.Kind.MULTIPLE:
            return randomizer.sample(values, randomizer.randint(1, 3))
        if kind == Question.Kind.NUMBER:
            return str(randomizer.randint(18, 70))
        if kind == Question.Kind.LONG_TEXT:
            return randomizer.choice(["", "That the video is not shared with other agencies.", "Tell me the result."])
        return ""
