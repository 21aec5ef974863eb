"""Forms of the surveys app: a page of a survey built from its questions, interviews,
invitations."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, Response
from surveys.services import answer_clean

PLEASE_ANSWER = _("Please answer this question.")
PROBLEM_MESSAGES = {
    "choice": _("Please pick one of the answers."),
    "number": _("Write a number, like 3."),
    "date": _("Write the date like this: 2026-03-15."),
    "text": _("This answer is too long. Please make it shorter."),
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def visible_names(questions: list[Question], answers: dict) -> set[str]:
    """The questions a person is asked given their answers so far: a show-if question only when
    the earlier question it depends on was asked and answered with its value."""
    visible: set[str] = set()
    for question in questions:
        rule = question.show_if
        if rule:
            parent = rule.get("question")
            given = answers.get(parent)
            if parent not in visible or given in (None, "", []):
                continue
            wanted = str(rule.get("value"))
            if not (wanted in given if isinstance(given, list) else str(given) == wanted):
                continue
        visible.add(question.name)
    return visible


def bounds_message(question: Question) -> str:
    low, high = question.min_value, question.max_value
    low = None if low is None else f"{low.normalize():f}"
    high = None if high is None else f"{high.normalize():f}"
    if low is not None and high is not None:
        return _("The number must be between %(low)s and %(high)s.") % {"low": low, "high": high}
    if low is not None:
        return _("The number must be %(low)s or more.") % {"low": low}
    return _("The number must be %(high)s or less.") % {"high": high}


class SectionForm(forms.Form):
    """One page of a survey: a field per question shown on it, named after the question."""

    required_css_class = "required"

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = [q for q in questions if q.kind != Question.Kind.NOTE]
        for question in self.questions:
            field = self._field(question)
            if field.error_messages.get("required") is forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = PLEASE_ANSWER
            self.fields[question.name] = field
        # (question, bound field or None for a note), in page order
        self.items = [(q, None if q.kind == Question.Kind.NOTE else self[q.name]) for q in questions]

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": str(question.label), "required": question.required, "help_text": str(question.hint or "")}
        kind = question.kind
        if kind == Question.Kind.SINGLE:
            choices = [(c.value, str(c.label)) for c in question.choices.all()]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if kind == Question.Kind.YES_NO:
            return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common)
        if kind == Question.Kind.SCALE:
            choices = [(str(n), str(n)) for n in range(1, 6)]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect(attrs={"class": "scale"}), **common)
        if kind == Question.Kind.MULTIPLE:
            choices = [(c.value, str(c.label)) for c in question.choices.all()]
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        if kind == Question.Kind.NUMBER:
            widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "short", "autocomplete": "off"})
            return forms.CharField(max_length=20, widget=widget, **common)
        if kind == Question.Kind.DATE:
            return forms.CharField(max_length=20, widget=forms.DateInput(attrs={"type": "date"}), **common)
        if kind == Question.Kind.SHORT_TEXT:
            return forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"}), **common)
        return forms.CharField(max_length=20000, widget=forms.Textarea(attrs={"rows": 5}), **common)

    def clean(self):
        data = super().clean()
        for question in self.questions:
            raw = data.get(question.name)
            if raw in (None, "", []):
                continue
            if question.kind == Question.Kind.DATE:
                raw = _iso_date(raw)
                data[question.name] = raw
            _value, code = answer_clean(question, raw)
            if code:
                message = bounds_message(question) if code == "bounds" else PROBLEM_MESSAGES.get(code, PLEASE_ANSWER)
                self.add_error(question.name, message)
        return data

    def answers(self) -> dict:
        """What the person typed or picked on this page, valid or not, to show it again."""
        found = {}
        for question in self.questions:
            if question.kind == Question.Kind.MULTIPLE:
                found[question.name] = [v for v in self.data.getlist(question.name) if isinstance(v, str)][:50]
            else:
                value = self.data.get(question.name, "")
                found[question.name] = value.strip()[:20000] if isinstance(value, str) else ""
        return found


def _iso_date(raw: str) -> str:
    text = str(raw).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return text


class InterviewForm(forms.Form):
    """Before an interview: for which organisation, in which language, and the person's yes."""

    organization = forms.ModelChoiceField(queryset=None, label=_("Organization"), empty_label=None)
    language = forms.ChoiceField(
        label=_("Language of the person you interview"), choices=settings.LANGUAGES, initial="en"
    )
    field_office = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        required=False,
        max_length=3,
        label=_("ICE office area (3-letter code, if you know it)"),
        help_text=_("For example HOU for Houston. Leave it empty if you are not sure."),
        error_messages={"invalid": _("Write the 3 letters of the office, like HOU.")},
    )
    consent = forms.BooleanField(
        label=_("The person agreed that I enter their answers here."),
        error_messages={"required": _("You can only enter answers when the person agrees.")},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].widget = forms.RadioSelect()
        self.fields["organization"].widget.choices = self.fields["organization"].choices


class InvitationForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organization"), empty_label=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class BatchUploadForm(forms.Form):
    """A CSV or XLSX file of paper answers; the organisation they were collected for when the
    person belongs to several; and their word that every respondent agreed."""

    file = forms.FileField(
        label=_("The file (CSV or Excel .xlsx)"),
        error_messages={"required": _("Choose the file to upload."), "empty": _("The file is empty.")},
    )
    organization = forms.TypedChoiceField(
        label=_("Which organization collected these answers?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the organization."), "invalid_choice": _("Choose the organization.")},
    )
    consent = forms.BooleanField(
        label=_("Every person on these paper forms agreed to have their answers entered here."),
        error_messages={"required": _("You can only upload answers when every person agreed.")},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {organization.pk: organization for organization in organizations}
        if len(self.organizations) > 1:
            self.fields["organization"].choices = [(pk, o.name) for pk, o in self.organizations.items()]
        else:
            del self.fields["organization"]

    def chosen_organization(self):
        if "organization" in self.fields:
            return self.organizations[self.cleaned_data["organization"]]
        return next(iter(self.organizations.values()), None)


# --- Results -------------------------------------------------------------------------------------


class ResultsFilterForm(forms.Form):
    """Which responses the results count (sent with GET), and the two questions of the cross-tab."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    organization = forms.TypedChoiceField(label=_("Organization"), required=False, coerce=int, empty_value=None)
    field_office = forms.ChoiceField(label=_("ICE office area"), required=False)
    channel = forms.ChoiceField(label=_("How people answered"), required=False)
    date_from = forms.DateField(
        label=_("From this day"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date like this: 2026-03-15.")},
    )
    date_to = forms.DateField(
        label=_("To this day"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date like this: 2026-03-15.")},
    )
    rows = forms.ChoiceField(label=_("Compare answers: question for the rows"), required=False)
    columns = forms.ChoiceField(label=_("Question for the columns"), required=False)

    def __init__(self, *args, organizations=(), field_offices=(), questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        pick_error = {"invalid_choice": _("Please pick one of the answers in the list.")}
        self.fields["language"].choices = everything + list(settings.LANGUAGES)
        self.fields["organization"].choices = everything + list(organizations)
        self.fields["field_office"].choices = everything + [(code, code) for code in field_offices]
        self.fields["channel"].choices = everything + list(Response.Channel.choices)
        none = [("", _("No comparison"))]
        self.fields["rows"].choices = none + [(q.name, q.label) for q in questions]
        self.fields["columns"].choices = none + [(q.name, q.label) for q in questions]
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.error_messages.update(pick_error)

    def _clean_day(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not 1900 <= day.year <= 2999:
            raise forms.ValidationError(_("Pick a day between the years 1900 and 2999."))
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The last day must not come before the first day."))
        rows, columns = cleaned.get("rows"), cleaned.get("columns")
        if bool(rows) != bool(columns):
            self.add_error("columns" if rows else "rows", _("To compare answers, pick two questions."))
        elif rows and rows == columns:
            self.add_error("columns", _("Pick two different questions to compare."))
        return cleaned

    def filters(self) -> dict:
        names = ("language", "organization", "field_office", "channel", "date_from", "date_to")
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}

    def crosstab(self) -> tuple[str, str] | None:
        rows, columns = self.cleaned_data.get("rows"), self.cleaned_data.get("columns")
        return (rows, columns) if rows and columns else None

    def audit_filters(self) -> dict:
        """The filters as the audit log keeps them (dates as text)."""
        return {name: v.isoformat() if hasattr(v, "isoformat") else v for name, v in self.filters().items()}
