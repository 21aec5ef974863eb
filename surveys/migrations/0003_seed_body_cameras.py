"""Seeds "Body cameras and your community", open to anyone, in every language it has words for."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from surveys.seed import seed_definition

    Survey = apps.get_model("surveys", "Survey")
    SurveyVersion = apps.get_model("surveys", "SurveyVersion")
    Question = apps.get_model("surveys", "Question")
    Choice = apps.get_model("surveys", "Choice")
    definition = seed_definition()
    if Survey.objects.filter(slug=definition["slug"]).exists():
        return
    survey = Survey.objects.create(
        slug=definition["slug"],
        keyword=definition["keyword"],
        title=definition["title"],
        description=definition["description"],
        document=definition["document"],
        status="open",
        audience="public",
    )
    version = SurveyVersion.objects.create(
        survey=survey, number=1, sections=definition["sections"], published_at=timezone.now()
    )
    for position, item in enumerate(definition["questions"], 1):
        question = Question.objects.create(
            version=version,
            position=position,
            **{key: value for key, value in item.items() if key != "choices"},
        )
        Choice.objects.bulk_create(
            [
                Choice(question=question, position=n, value=value, label=label)
                for n, (value, label) in enumerate(item["choices"], 1)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_consultations_invitations_batches_drafts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
