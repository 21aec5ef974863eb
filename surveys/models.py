"""Community surveys: a survey is published in versions, and every response keeps the version it
answered, so a change never rewrites what people said. Free-text answers are encrypted; the
structured ones stay queryable for results."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.fields import I18nCharField, I18nTextField
from privacy.fields import EncryptedFileRefField, EncryptedTextField


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Anyone")
        INVITED = "invited", _("Invited organizations")

    slug = models.SlugField(max_length=80, unique=True)
    title = I18nCharField(max_length=300)
    description = I18nTextField(blank=True)
    # A consultation opens with a document (a draft protocol, say) that its questions ask about.
    document = I18nTextField(blank=True)
    # Texting this word starts the survey over SMS ("CAMARAS"); upper case, unique when set.
    keyword = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.PUBLIC)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="surveys")
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["keyword"], condition=~models.Q(keyword=""), name="survey_unique_keyword")
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        """A keyword people already send for something else (STOP, YES, HELP, a language) would
        start the survey in their place: refused here, so in the admin and survey_define."""
        from surveys.conversation import keyword_problem  # it reads this module

        problem = keyword_problem(self.keyword)
        if problem:
            raise ValidationError({"keyword": problem})

    @property
    def current_version(self) -> "SurveyVersion | None":
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class SurveyVersion(models.Model):
    """The questions of a survey as published once; a draft version is the one being edited."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Titles of the sections (pages), {"1": {language: title}}; a section without one has none.
    sections = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique_number")]
        ordering = ["survey", "number"]

    def __str__(self) -> str:
        return f"{self.survey.slug} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        YES_NO = "yes_no", _("Yes or no")
        SCALE = "scale", _("Scale from 1 to 5")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NOTE = "note", _("Text to read (no answer)")

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    section = models.PositiveIntegerField(default=1)  # one section per page on the web
    name = models.SlugField(max_length=64)  # XLSForm's "name": stable across versions
    kind = models.CharField(max_length=12, choices=Kind.choices)
    required = models.BooleanField(default=False)
    label = I18nTextField()
    hint = I18nTextField(blank=True)
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Shown only when an earlier answer matches: {"question": name, "value": value}
    show_if = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="question_unique_name")]
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField()
    value = models.SlugField(max_length=64)
    label = I18nCharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "value"], name="choice_unique_value")]
        ordering = ["question", "position"]

    def __str__(self) -> str:
        return self.value


class Invitation(models.Model):
    """A link (and an SMS code) an organisation sends to the people it serves: their answers
    count as that organisation's, though they answer on their own."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="survey_invitations")
    code = models.CharField(max_length=12, unique=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code


class Batch(models.Model):
    """A CSV or XLSX file of paper answers: checked row by row first, then imported whole (or
    only its valid rows, if the person chooses), in one transaction."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        DISCARDED = "discarded", _("Discarded")
        FAILED = "failed", _("Could not be read")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="batches")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="batches")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file = EncryptedFileRefField(blank=True)  # deleted once imported or discarded
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_already = models.PositiveIntegerField(default=0)  # imported before, from an earlier upload
    # Every problem found, as [row, column, code]: no cell value, so no answer leaks into it.
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class ResponseDraft(models.Model):
    """A web response between pages: encrypted answers, found by a hash of the token in its URL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_index = models.CharField(max_length=64, unique=True)
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    answers = EncryptedTextField(default="{}")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL)
    # An interview entered by an organisation's member, with the respondent's consent.
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    field_office = models.CharField(max_length=8, blank=True)
    response = models.OneToOneField("Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"survey draft {self.id}"


class Response(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Website")
        SMS = "sms", _("Text message")
        API = "api", _("Partner organization")
        PAPER = "paper", _("Paper form")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When someone else enters the answers (an interview, a paper form): the respondent agreed.
    respondent_consent_at = models.DateTimeField(null=True, blank=True)
    # The ICE area of responsibility the answers are about (its code), for results by office.
    field_office = models.CharField(max_length=8, blank=True, db_index=True)
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses")
    # One submission once: a web double click, an SMS retry, the same paper row uploaded twice.
    submission_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.survey.slug} response {self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.CharField(max_length=64, blank=True)  # single, yes/no, scale
    choices = models.JSONField(default=list, blank=True)  # multiple
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    text = EncryptedTextField(blank=True)  # short and long text: people's own words

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_unique_question")]

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"


class BatchRow(models.Model):
    """A valid row of a batch waiting to be imported: its number in the file and a keyed hash of
    its answers (never the answers), so the database can number identical rows (a window
    function) and an import can tell a row uploaded before, without holding every row in memory.
    Deleted when the batch is imported or discarded."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()  # the spreadsheet's row number (the header is row 1)
    base = models.CharField(max_length=64)  # keyed hash of the form's own number, or of the row's content
    from_form_id = models.BooleanField(default=False)
    occurrence = models.PositiveIntegerField(default=1)  # among the rows of this file with the same base

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="batch_row_unique_number")]

    def __str__(self) -> str:
        return f"{self.batch_id} row {self.number}"
