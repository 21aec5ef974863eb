import phonenumbers
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from intake import choices
from intake.selectors import field_offices_for_state

RADIO = forms.RadioSelect
CHECKBOXES = forms.CheckboxSelectMultiple


def _radio(label, choice_list, *, required=True, help_text=""):
    return forms.ChoiceField(label=label, choices=choice_list, widget=RADIO, required=required, help_text=help_text)


def _text(label, *, help_text="", max_length=2000, rows=3):
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _count(label, *, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=500,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "max_value": _("That number looks too large. Please check it."),
            "min_value": _("The number cannot be less than 0."),
            "invalid": _("Write a number, like 3."),
        },
    )


PLEASE_ANSWER = _("Please answer this question.")


class StepForm(forms.Form):
    """A step of the complaint form. Its raw answers are kept on the draft; `title` heads the page."""

    title = ""
    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # `is`, not `==`: comparing two lazy texts would translate both, for every field.
            if field.error_messages.get("required") is forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = PLEASE_ANSWER

    def answers(self) -> dict:
        """What to keep on the draft: the submitted values as typed, so a step shows them again."""
        kept = {}
        for name in self.fields:
            key = self.add_prefix(name)
            if isinstance(self.fields[name], forms.MultipleChoiceField):
                kept[name] = self.data.getlist(key)
            elif name in self.data:
                kept[name] = self.data.get(key, "")
        return kept


class AboutYouForm(StepForm):
    title = _("About you")
    filer_role = _radio(_("Who are you in this story?"), choices.FORM_FILER_ROLES)
    organization_name = forms.CharField(
        label=_("Your organization"),
        required=False,
        max_length=200,
        help_text=_("Only if you are an advocate or lawyer filing for someone."),
    )
    on_behalf_consent = forms.BooleanField(
        label=_("The person agreed that I send this complaint for them."),
        required=False,
        help_text=_("Only for advocates and lawyers. You need their permission before you send it."),
    )
    urgent = forms.MultipleChoiceField(
        label=_("Is any of this happening right now?"),
        choices=choices.FORM_URGENT_FLAGS,
        widget=CHECKBOXES,
        required=False,
        help_text=_("Choose all that are true. Our team will see your complaint first."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("filer_role") == choices.FilerRole.ADVOCATE and not cleaned.get("on_behalf_consent"):
            self.add_error(
                "on_behalf_consent", _("To file for someone, you must have their permission. Please confirm it.")
            )
        return cleaned


class WhatHappenedForm(StepForm):
    title = _("What happened")
    incident_date = forms.DateField(
        label=_("When did it happen?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("If you are not sure of the day, choose a day close to it and tick the box below."),
        error_messages={"invalid": _("Enter the date like this: 2026-03-31 (year, month, day).")},
    )
    date_is_approximate = forms.BooleanField(label=_("I am not sure of the exact day"), required=False)
    time_of_day = _radio(_("What time of day?"), choices.TimeOfDay.choices)
    city = forms.CharField(label=_("City or town"), max_length=100, required=False)
    state = forms.ChoiceField(label=_("State"), choices=[("", "—")] + choices.US_STATES)
    place_type = _radio(_("Where were you?"), choices.PlaceType.choices)
    agency = _radio(
        _("Who were the officers?"),
        choices.Agency.choices,
        help_text=_("Look for words on their clothes or cars. If you don't know, that is fine."),
    )
    allegations = forms.MultipleChoiceField(
        label=_("What did the officers do?"),
        choices=choices.Allegation.choices,
        widget=CHECKBOXES,
        help_text=_("Choose everything that happened."),
        error_messages={"required": _("Choose at least one thing that happened.")},
    )

    def clean_incident_date(self):
        value = self.cleaned_data["incident_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future. Please check it."), code="future")
        if value.year < 2000:
            raise forms.ValidationError(_("Please enter a date after the year 2000."), code="too_old")
        return value


class OfficersForm(StepForm):
    title = _("The officers")
    field_office = _radio(
        _("Which area was it in?"),
        [],
        help_text=_("Immigration officers in your state work from more than one office."),
    )
    officer_count = _count(_("How many officers were there?"), help_text=_("Leave it empty if you don't know."))
    officer_names = _text(_("Names of officers, if you know them"), max_length=1000, rows=2)
    badge_numbers = _text(_("Badge numbers, if you saw them"), max_length=500, rows=2)
    vehicle_plates = _text(_("Car license plates, if you saw them"), max_length=500, rows=2)
    markings = _text(
        _("What did their clothes or cars say?"),
        help_text=_("For example: POLICE, ICE, ERO, HSI, Border Patrol, or nothing."),
        max_length=1000,
        rows=2,
    )
    officers_masked = _radio(_("Did the officers cover their faces?"), choices.Masked.choices)
    body_camera_seen = _radio(
        _("Did you see a body camera on any officer?"),
        choices.YesNoUnknown.choices,
        help_text=_("A small camera worn on the chest or shoulder."),
    )
    body_camera_recording = _radio(
        _("Did a camera seem to be recording?"),
        choices.YesNoUnknown.choices,
        help_text=_("For example, a red or green light was on."),
    )

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(offices) > 1:
            self.fields["field_office"].choices = [
                (o.code, f"{o.name} ({o.note})" if o.note else o.name) for o in offices
            ]
            self.fields["field_office"].choices += [("", _("I don't know"))]
            self.fields["field_office"].required = False
        else:
            del self.fields["field_office"]


class PeopleForm(StepForm):
    title = _("The people and any harm")
    adults_count = _count(_("How many adults were there, not counting officers?"))
    children_count = _count(_("How many children (under 18) were there?"))
    injuries = _radio(_("Was anyone hurt?"), choices.YesNoUnknown.choices)
    injuries_description = _text(_("If someone was hurt, what happened to them?"), max_length=2000)
    medical_care = _radio(_("Did anyone need a doctor or medicine?"), choices.MedicalCare.choices)
    taken_into_custody = _radio(_("Did the officers take anyone away?"), choices.YesNoUnknown.choices)
    witnesses = _text(
        _("Did anyone else see it?"),
        help_text=_("Names or how to find them, only if they agree. You can leave this empty."),
        max_length=1000,
        rows=2,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*,audio/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class StoryForm(StepForm):
    title = _("In your own words")
    narrative = forms.CharField(
        label=_("Tell us what happened"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        help_text=_("Write in any language. Say what you saw and heard, in the order it happened."),
        error_messages={"required": _("Please tell us what happened, even in a few words.")},
    )
    wants = forms.MultipleChoiceField(
        label=_("What would you like to happen?"),
        choices=choices.Want.choices,
        widget=CHECKBOXES,
        required=False,
    )
    files = MultipleFileField(
        label=_("Photos, videos, sound recordings or papers"),
        required=False,
        help_text=_("You can add more than one. Up to %(size)s MB each. We remove hidden location data from photos."),
    )
    remove_files = forms.MultipleChoiceField(label=_("Remove a file"), required=False, widget=CHECKBOXES)

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attachments = list(attachments)
        self.fields["files"].help_text = self.fields["files"].help_text % {
            "size": settings.ATTACHMENT_MAX_FILE_BYTES // (1024 * 1024)
        }
        self.fields["remove_files"].choices = [
            (str(a.pk), a.original_name or a.get_kind_display()) for a in attachments
        ]
        if not attachments:
            del self.fields["remove_files"]

    def answers(self) -> dict:
        kept = super().answers()
        kept.pop("files", None)
        kept.pop("remove_files", None)
        return kept


class ContactForm(StepForm):
    title = _("How to reach you")
    contact_choice = _radio(
        _("Can we contact you about this complaint?"),
        [("anonymous", _("No. I want to stay anonymous.")), ("contact", _("Yes, you can contact me."))],
        help_text=_("If you stay anonymous, keep your complaint number to check on it."),
    )
    name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    preferred_method = _radio(_("How should we contact you?"), choices.ContactMethod.choices, required=False)
    safe_to_message = _radio(
        _("Is it safe for us to leave a message or send a text?"),
        [("yes", _("Yes")), ("no", _("No, only talk to me"))],
        required=False,
        help_text=_("Our messages never say what your complaint is about."),
    )
    best_times = forms.CharField(label=_("Best days and times to reach you"), required=False, max_length=200)
    alternate_contact = _text(
        _("Someone we can call if we cannot reach you"),
        help_text=_("For example, a family member or a lawyer, in case you are detained. Name and phone."),
        max_length=500,
        rows=2,
    )
    contact_language = forms.ChoiceField(label=_("Which language should we use?"), choices=settings.LANGUAGES)
    consent_contact = forms.BooleanField(label=_("You may contact me about this complaint."), required=False)
    consent_share_oversight = forms.BooleanField(
        label=_("You may share my complaint with an oversight office that can investigate it."), required=False
    )
    consent_statistics = forms.BooleanField(
        label=_("You may count my complaint in public numbers, with no name."), required=False
    )
    age_range = _radio(_("Your age"), choices.AgeRange.choices, required=False)
    gender = _radio(_("Your gender"), choices.Gender.choices, required=False)
    race_ethnicity = forms.MultipleChoiceField(
        label=_("Your race or ethnic group"),
        choices=choices.RaceEthnicity.choices,
        widget=CHECKBOXES,
        required=False,
        help_text=_("Choose all that fit. This helps show if some groups are treated worse."),
    )

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise forms.ValidationError(_("This does not look like a phone number. Please check it."), code="phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact_choice") == "contact":
            if not cleaned.get("phone") and not cleaned.get("email") and "phone" not in self.errors:
                self.add_error("phone", _("Give a phone number or an email so we can reach you."))
            if not cleaned.get("safe_to_message"):
                self.add_error("safe_to_message", _("Please tell us if it is safe to send you messages."))
        return cleaned


class ReceiptLookupForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your complaint number"),
        max_length=40,
        help_text=_("The 16 digits you got when you sent your complaint."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("Add more information"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label=_("Add photos, videos, sound recordings or papers"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("files"):
            raise forms.ValidationError(_("Write something or add a file before you send."), code="empty")
        return cleaned


STEPS = [
    ("about", AboutYouForm),
    ("what", WhatHappenedForm),
    ("officers", OfficersForm),
    ("people", PeopleForm),
    ("story", StoryForm),
    ("contact", ContactForm),
]
STEP_NAMES = [name for name, _form in STEPS]
STEP_FORMS = dict(STEPS)


UPLOAD_ERRORS = {
    "too_large": _("“%(name)s” is too big. Each file can be up to %(size)s MB."),
    "not_allowed": _("“%(name)s” is not a photo, video, sound recording or PDF that we can accept."),
    "damaged": _("“%(name)s” could not be opened. It may be damaged."),
    "active_pdf": _(
        "“%(name)s” is a PDF with parts that can run by themselves, such as a script, a form or files inside it. "
        "Please send a photo of the paper instead."
    ),
    "too_many_pixels": _("“%(name)s” is a picture that is too big. Please send a smaller photo."),
    "total_too_large": _("“%(name)s” was not added. All your files together can be up to %(size)s MB."),
    "closed": _("“%(name)s” was not added: this form was already sent."),
}


def step_form_kwargs(step: str, draft, answers: dict) -> dict:
    """What a step's form needs besides its data: the offices of the state given, the files sent."""
    if step == "officers":
        state = answers.get("what", {}).get("state", "")
        return {"offices": field_offices_for_state(state) if state else []}
    if step == "story":
        return {"attachments": list(draft.attachments.all())}
    if step == "contact":
        return {"initial": {"contact_language": draft.language, **answers.get(step, {})}}
    return {}


def bound_step_form(step: str, draft, answers: dict):
    """A step's form bound to the answers kept on the draft, to check them again."""
    kwargs = step_form_kwargs(step, draft, answers)
    kwargs.pop("initial", None)
    data = MultiValueDict()
    for name, value in answers.get(step, {}).items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return STEP_FORMS[step](data, **kwargs)


def upload_error_message(code: str, name: str) -> str:
    size = settings.ATTACHMENT_MAX_TOTAL_BYTES if code == "total_too_large" else settings.ATTACHMENT_MAX_FILE_BYTES
    return UPLOAD_ERRORS[code] % {"name": name or "—", "size": size // (1024 * 1024)}


def _display(form: forms.Form, name: str) -> str | None:
    field = form.fields[name]
    value = form.cleaned_data.get(name)
    if value in (None, "", [], False) and not isinstance(field, forms.BooleanField):
        return None
    if isinstance(field, forms.BooleanField):
        return str(_("Yes")) if value else None
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(field, forms.DateField):
        from django.utils.formats import date_format

        return date_format(value, "DATE_FORMAT")
    return str(value)


def review_sections(step_forms: dict) -> list[dict]:
    """Each step's answers as (question, answer) rows, for the review page."""
    sections = []
    for step, form in step_forms.items():
        rows = []
        for name in form.fields:
            if name in ("files", "remove_files"):
                continue
            if step == "contact" and form.cleaned_data.get("contact_choice") == "anonymous" and name in CONTACT_FIELDS:
                continue
            shown = _display(form, name)
            if shown is not None:
                rows.append((form.fields[name].label, shown))
        sections.append({"step": step, "title": form.title, "rows": rows})
    return sections


CONTACT_FIELDS = {
    "name",
    "phone",
    "email",
    "preferred_method",
    "safe_to_message",
    "best_times",
    "alternate_contact",
    "consent_contact",
}


def complaint_input_from_forms(step_forms: dict, *, draft, answers: dict):
    from intake.selectors import field_offices_for_state
    from intake.services import ComplaintInput, ContactInput

    about, what, officers, people, story, contact = (step_forms[name].cleaned_data for name in STEP_NAMES)
    offices = field_offices_for_state(what["state"])
    office_code = officers.get("field_office") or (offices[0].code if len(offices) == 1 else "")
    wants_contact = contact["contact_choice"] == "contact"
    return ComplaintInput(
        filer_role=about["filer_role"],
        language=contact.get("contact_language") or draft.language,
        allegations=what["allegations"],
        urgent_flags=about["urgent"],
        on_behalf_consent=about["on_behalf_consent"],
        on_behalf_organization=about["organization_name"],
        incident_date=what["incident_date"],
        date_is_approximate=what["date_is_approximate"],
        time_of_day=what["time_of_day"],
        city=what["city"],
        state=what["state"],
        place_type=what["place_type"],
        field_office_code=office_code,
        agency=what["agency"],
        officer_count=officers["officer_count"],
        officer_names=officers["officer_names"],
        badge_numbers=officers["badge_numbers"],
        vehicle_plates=officers["vehicle_plates"],
        markings=officers["markings"],
        officers_masked=officers["officers_masked"],
        body_camera_seen=officers["body_camera_seen"],
        body_camera_recording=officers["body_camera_recording"],
        adults_count=people["adults_count"],
        children_count=people["children_count"],
        injuries=people["injuries"],
        injuries_description=people["injuries_description"],
        medical_care=people["medical_care"],
        taken_into_custody=people["taken_into_custody"],
        witnesses=people["witnesses"],
        narrative=story["narrative"],
        wants=story["wants"],
        is_anonymous=not wants_contact,
        contact=ContactInput(
            name=contact["name"],
            phone=contact["phone"],
            email=contact["email"],
            preferred_method=contact["preferred_method"],
            safe_to_message=contact["safe_to_message"] == "yes",
            best_times=contact["best_times"],
            alternate_contact=contact["alternate_contact"],
        )
        if wants_contact
        else None,
        consent_contact=wants_contact and contact["consent_contact"],
        consent_share_oversight=contact["consent_share_oversight"],
        consent_statistics=contact["consent_statistics"],
        age_range=contact["age_range"],
        gender=contact["gender"],
        race_ethnicity=contact["race_ethnicity"],
    )
