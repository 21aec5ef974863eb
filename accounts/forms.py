from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy


class StaffSignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StaffCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "size": 12}
        ),
    )


class StaffEnrolForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=40,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )


TOKEN_DAYS = (30, 90, 180, 365)


class ApiTokenForm(forms.Form):
    """A new personal API token: a name to know it by, and how long it lasts (never more than
    API_TOKEN_MAX_DAYS)."""

    name = forms.CharField(
        label=pgettext_lazy("of a token", "Name"),
        max_length=100,
        help_text=_("Where the token will be used, for example “Survey upload script”."),
    )
    days = forms.TypedChoiceField(label=_("Lasts for"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = [d for d in TOKEN_DAYS if d <= settings.API_TOKEN_MAX_DAYS] or [settings.API_TOKEN_MAX_DAYS]
        self.fields["days"].choices = [(d, ngettext("%(count)d day", "%(count)d days", d) % {"count": d}) for d in days]
        self.fields["days"].initial = max((d for d in days if d <= settings.API_TOKEN_DAYS), default=days[0])
