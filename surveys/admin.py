"""The staff back office for surveys: build a survey by hand or from an XLSForm, edit the
questions and choices of its draft version, publish it, export it, and hand out invitations.

A published version is read only here (what people answered never changes); changing a survey
after publishing means a new draft version. Liaison staff and supervisors build surveys, auditors
may look: no migration grants these models' permissions to the roles, so the admin asks the
roles as well as the permissions."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from i18nfield.forms import I18nTextarea, I18nTextInput

from accounts import roles
from core.errors import ApplicationError
from core.fields import I18nCharField, I18nTextField
from surveys import selectors, services
from surveys.models import Choice, Invitation, Question, Survey, SurveyVersion
from surveys.xlsform import MAX_FILE_BYTES, XLSX_TYPE, write_xlsform


class _LanguageLabels:
    """Each language's box named beside it: a placeholder alone disappears once there is text."""

    def format_output(self, rendered_widgets, id_) -> str:
        names = dict(settings.LANGUAGES)
        codes = [code for code in self.locales if code in self.enabled_locales]
        rows = format_html_join(
            "",
            '<div class="i18n-language"><span class="i18n-language-name">{}</span>{}</div>',
            ((names.get(code, code), html) for code, html in zip(codes, rendered_widgets, strict=False)),
        )
        return format_html('<div class="i18n-form-group" id="{}">{}</div>', id_ or "", rows)


class LabelledTextarea(_LanguageLabels, I18nTextarea):
    pass


class LabelledTextInput(_LanguageLabels, I18nTextInput):
    pass


I18N_WIDGETS = {I18nTextField: {"widget": LabelledTextarea}, I18nCharField: {"widget": LabelledTextInput}}


def _builds_surveys(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and selectors.user_is_survey_staff(user)


def _looks_at_surveys(request: HttpRequest) -> bool:
    user = request.user
    return _builds_surveys(request) or (
        user.is_active and user.is_staff and roles.AUDITOR in selectors.user_roles_cached(user)
    )


class SurveyStaffAccess:
    """Model permissions as usual, and the survey-building roles on top."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) or _looks_at_surveys(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or _looks_at_surveys(request)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or _builds_surveys(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or _builds_surveys(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or _builds_surveys(request)


def _version_of(obj) -> SurveyVersion | None:
    if isinstance(obj, SurveyVersion):
        return obj
    if isinstance(obj, Question):
        return obj.version
    return None


class DraftOnly:
    """Questions and choices change only while their version is a draft."""

    def _is_published(self, obj) -> bool:
        version = _version_of(obj)
        return version is not None and version.is_published

    def has_add_permission(self, request, *args):
        obj = args[0] if args else None
        return not self._is_published(obj) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not self._is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._is_published(obj) and super().has_delete_permission(request, obj)


def _next_positions(instances, taken: int) -> None:
    """New rows left without a position go after the last one."""
    for instance in instances:
        if instance.position is None:
            taken += 1
            instance.position = taken


# --- Surveys ------------------------------------------------------------------------------------


class SurveyAdminForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "slug", "title", "description", "document", "keyword", "status", "audience", "organizations", "opens_at",
            "closes_at",
        ]  # fmt: skip

    def clean_keyword(self) -> str:
        keyword = (self.cleaned_data.get("keyword") or "").strip().upper()
        if keyword and not keyword.isalnum():
            raise forms.ValidationError(_("A keyword can only have letters and numbers."))
        return keyword

    def clean(self):
        cleaned = super().clean()
        opening = cleaned.get("status") == Survey.Status.OPEN
        if opening and (self.instance.pk is None or self.instance.current_version is None):
            self.add_error("status", _("Publish a version of this survey before you open it."))
        return cleaned


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file (.xlsx)"))
    slug = forms.SlugField(
        label=_("Short name for the address"),
        max_length=80,
        required=False,
        help_text=_("Leave it empty to use form_id from the settings sheet."),
    )

    def __init__(self, *args, revise: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if revise:
            del self.fields["slug"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("This file is too big. An XLSForm must be smaller than %(size)s MB.")
                % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


@admin.register(Survey)
class SurveyAdmin(SurveyStaffAccess, admin.ModelAdmin):
    form = SurveyAdminForm
    formfield_overrides = I18N_WIDGETS
    list_display = ["slug", "title_text", "status", "audience", "latest_version", "opens_at", "closes_at"]
    list_filter = ["status", "audience"]
    search_fields = ["slug", "keyword"]
    filter_horizontal = ["organizations"]
    readonly_fields = ["versions_list", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["slug", "title", "description", "document", "keyword"]}),
        (_("Who may answer, and when"), {"fields": ["status", "audience", "organizations", "opens_at", "closes_at"]}),
        (_("Versions"), {"fields": ["versions_list", "created_by", "created_at"]}),
    ]
    actions = ["start_draft"]

    class Media:
        css = {"all": ["css/admin-surveys.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_latest=Max("versions__number"))

    @admin.display(description=_("Title"))
    def title_text(self, survey: Survey) -> str:
        return str(survey.title)

    @admin.display(description=_("Latest version"))
    def latest_version(self, survey: Survey):
        return getattr(survey, "_latest", None)

    def has_delete_permission(self, request, obj=None):
        # Not every builder: a whole survey goes with its versions; supervisors only.
        user = request.user
        return admin.ModelAdmin.has_delete_permission(self, request, obj) or (
            _builds_surveys(request) and roles.SUPERVISOR in selectors.user_roles_cached(user)
        )

    @admin.display(description=_("Versions"))
    def versions_list(self, survey: Survey) -> str:
        if survey.pk is None:
            return "-"
        rows = [
            (
                reverse("admin:surveys_surveyversion_change", args=[version.pk]),
                version.number,
                gettext("published") if version.is_published else gettext("draft"),
            )
            for version in survey.versions.order_by("number")
        ]
        if not rows:
            return gettext("None yet.")
        return format_html_join(", ", '<a href="{}">v{} ({})</a>', rows)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "slug"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Start a draft version of the selected surveys"), permissions=["change"])
    def start_draft(self, request, queryset):
        for survey in queryset:
            draft = services.survey_draft_version(survey=survey)
            ready = gettext("%(survey)s: draft version %(number)s is ready to edit.")
            self.message_user(request, ready % {"survey": survey.slug, "number": draft.number})

    def get_urls(self):
        own = [
            path("import-xlsform/", self.admin_site.admin_view(self.import_view), name="surveys_survey_import"),
            path(
                "<path:object_id>/import-xlsform/",
                self.admin_site.admin_view(self.import_view),
                name="surveys_survey_revise",
            ),
            path(
                "<path:object_id>/export-xlsform/",
                self.admin_site.admin_view(self.export_view),
                name="surveys_survey_export",
            ),
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        """Upload an XLSForm: a new draft survey, or (for a survey) new questions for its draft."""
        survey = None
        if object_id is not None:
            survey = self.get_object(request, unquote(object_id))
            if survey is None:
                raise Http404("survey")
            if not self.has_change_permission(request, survey):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        form = XLSFormUploadForm(request.POST or None, request.FILES or None, revise=survey is not None)
        refused = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                if survey is None:
                    created, warnings = services.survey_import_xlsform(
                        data=data, created_by=request.user, slug=form.cleaned_data.get("slug") or ""
                    )
                    done = gettext("The survey %(slug)s was imported as a draft. Check it, then publish its version.")
                    target = reverse("admin:surveys_survey_change", args=[created.pk])
                    done %= {"slug": created.slug}
                else:
                    version, warnings = services.survey_version_import_xlsform(survey=survey, data=data)
                    done = gettext("Draft version %(number)s now has the questions of this file.") % {
                        "number": version.number
                    }
                    target = reverse("admin:surveys_surveyversion_change", args=[version.pk])
            except services.XLSFormInvalid as error:
                refused = error
            else:
                messages.success(request, done)
                for warning in warnings:
                    messages.warning(request, warning.message())
                return HttpResponseRedirect(target)
        problems = refused.problems if refused is not None else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import an XLSForm") if survey is None else gettext("Upload a changed XLSForm"),
            "form": form,
            "survey": survey,
            "refused": refused.message if refused is not None else "",
            "errors": [problem.message() for problem in problems if problem.is_error],
            "warnings": [problem.message() for problem in problems if not problem.is_error],
        }
        status = 400 if refused is not None or form.errors else 200
        return TemplateResponse(request, "admin/surveys/survey/import_xlsform.html", context, status=status)

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A version as an XLSForm: ?version=N, else the one published last, else the draft."""
        survey = self.get_object(request, unquote(object_id))
        if survey is None or not self.has_view_permission(request, survey):
            raise Http404("survey")
        versions = survey.versions.all()
        number = request.GET.get("version", "")
        if number:
            usable = number.isascii() and number.isdigit() and len(number) <= 9
            version = versions.filter(number=int(number)).first() if usable else None
        else:
            version = survey.current_version or versions.order_by("-number").first()
        if version is None:
            raise Http404("version")
        services.survey_xlsform_export_record(actor=request.user, survey=survey, version=version.number)
        return _xlsx_response(write_xlsform(version), survey.slug)


def _xlsx_response(data: bytes, slug: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{slug}.xlsx"'
    return response


# --- Versions, questions and choices ------------------------------------------------------------


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "position", "section", "name", "kind", "required", "label", "hint", "min_value", "max_value", "show_if",
        ]  # fmt: skip
        help_texts = {
            "show_if": _('Show it only after an earlier answer, like {"question": "contact", "value": "yes"}.'),
            "min_value": _("Numbers only: the smallest answer allowed."),
            "max_value": _("Numbers only: the largest answer allowed."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False

    def clean_show_if(self):
        rule = self.cleaned_data.get("show_if")
        if rule in (None, "", {}):
            return None
        if (
            not isinstance(rule, dict)
            or set(rule) != {"question", "value"}
            or not all(isinstance(rule[key], str) and rule[key] for key in rule)
        ):
            raise forms.ValidationError(_('Write the rule like {"question": "contact", "value": "yes"}.'))
        return rule

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The largest answer must not be smaller than the smallest."))
        return cleaned


class QuestionInline(DraftOnly, SurveyStaffAccess, admin.StackedInline):
    model = Question
    form = QuestionForm
    formfield_overrides = I18N_WIDGETS
    extra = 0
    show_change_link = True  # its choices are edited on the question's own page
    ordering = ["position"]


class ChoiceForm(forms.ModelForm):
    class Meta:
        model = Choice
        fields = ["position", "value", "label"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False


class ChoiceInline(DraftOnly, SurveyStaffAccess, admin.TabularInline):
    model = Choice
    form = ChoiceForm
    formfield_overrides = I18N_WIDGETS
    extra = 0
    ordering = ["position"]


class SurveyVersionForm(forms.ModelForm):
    class Meta:
        model = SurveyVersion
        fields = ["sections"]
        help_texts = {
            "sections": _('Page titles by section number, like {"1": {"en": "About you", "es": "Sobre usted"}}.')
        }

    def clean_sections(self):
        sections = self.cleaned_data.get("sections") or {}
        valid = isinstance(sections, dict) and all(
            str(number).isdigit() and isinstance(titles, dict) and all(isinstance(t, str) for t in titles.values())
            for number, titles in sections.items()
        )
        if not valid:
            raise forms.ValidationError(_('Write the titles like {"1": {"en": "About you"}}.'))
        return sections


class PublishedFilter(admin.SimpleListFilter):
    title = _("Published or draft")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("draft", _("Draft")), ("published", _("Published"))]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.filter(published_at__isnull=True)
        if self.value() == "published":
            return queryset.filter(published_at__isnull=False)
        return queryset


@admin.register(SurveyVersion)
class SurveyVersionAdmin(DraftOnly, SurveyStaffAccess, admin.ModelAdmin):
    form = SurveyVersionForm
    list_display = ["__str__", "survey", "number", "is_published", "question_count", "published_at"]
    list_filter = [PublishedFilter, "survey"]
    list_select_related = ["survey"]
    search_fields = ["survey__slug"]
    fields = ["survey", "number", "sections", "published_at", "created_at"]
    readonly_fields = ["survey", "number", "published_at", "created_at"]
    inlines = [QuestionInline]
    actions = ["publish"]

    class Media:
        css = {"all": ["css/admin-surveys.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_questions=Count("questions"))

    @admin.display(description=_("Published"), boolean=True)
    def is_published(self, version: SurveyVersion) -> bool:
        return version.is_published

    @admin.display(description=_("Questions"))
    def question_count(self, version: SurveyVersion) -> int:
        return getattr(version, "_questions", 0)

    def has_add_permission(self, request, *args):
        return False  # a draft starts from its survey (an action there, or an XLSForm upload)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, so a published version is never deleted
        return actions

    @admin.action(description=_("Publish the selected draft versions"), permissions=["change"])
    def publish(self, request, queryset):
        for version in queryset.select_related("survey"):
            if version.is_published:
                self.message_user(request, gettext("%(version)s was published already.") % {"version": version})
                continue
            try:
                services.survey_version_publish(version=version)
            except ApplicationError as error:
                self.message_user(request, f"{version}: {error.message}", level=messages.ERROR)
            else:
                self.message_user(request, gettext("%(version)s is published.") % {"version": version})

    def save_formset(self, request, form, formset, change):
        if formset.model is not Question:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for gone in formset.deleted_objects:
            gone.delete()
        last = form.instance.questions.aggregate(last=Max("position"))["last"] or 0
        _next_positions(instances, last)
        for instance in instances:
            instance.save()
        formset.save_m2m()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["export_url"] = (
                reverse("admin:surveys_survey_export", args=[obj.survey_id]) + f"?version={obj.number}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Question)
class QuestionAdmin(DraftOnly, SurveyStaffAccess, admin.ModelAdmin):
    """A question's own page, for its choices (the version's page lists the questions)."""

    form = QuestionForm
    formfield_overrides = I18N_WIDGETS
    list_display = ["name", "version", "kind", "position", "section"]
    list_select_related = ["version__survey"]
    search_fields = ["name", "version__survey__slug"]
    readonly_fields = ["version"]
    fields = ["version", *QuestionForm.Meta.fields]
    inlines = [ChoiceInline]

    class Media:
        css = {"all": ["css/admin-surveys.css"]}

    def has_module_permission(self, request):
        return False  # reached from a version's page

    def has_add_permission(self, request, *args):
        return False  # added on the version's page

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for gone in formset.deleted_objects:
            gone.delete()
        last = form.instance.choices.aggregate(last=Max("position"))["last"] or 0
        _next_positions(instances, last)
        for instance in instances:
            instance.save()
        formset.save_m2m()


# --- Invitations --------------------------------------------------------------------------------


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["survey", "organization", "is_active"]

    def clean_survey(self):
        survey = self.cleaned_data["survey"]
        if self.instance.pk is None and survey.status != Survey.Status.OPEN:
            raise forms.ValidationError(_("Only an open survey can be sent out."))
        return survey


@admin.register(Invitation)
class InvitationAdmin(SurveyStaffAccess, admin.ModelAdmin):
    form = InvitationAdminForm
    list_display = ["code", "survey", "organization", "is_active", "created_at"]
    list_filter = ["is_active", "survey"]
    list_select_related = ["survey", "organization"]
    search_fields = ["code", "organization__name", "survey__slug"]
    readonly_fields = ["code", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "survey", "organization"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The code is made by the service that makes every invitation; the admin then shows it.
        created = services.invitation_create(survey=obj.survey, organization=obj.organization, created_by=request.user)
        if not obj.is_active:
            services.invitation_deactivate(invitation=created)
        obj.pk, obj.code, obj.created_by, obj.created_at = (
            created.pk,
            created.code,
            created.created_by,
            created.created_at,
        )
        obj._state.adding = False
