from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

# --- webhooks ---


class WebhookEndpointForm(forms.Form):
    """A new webhook: its address, a few words about it, and the organisation it is for when the
    member belongs to several."""

    url = forms.URLField(
        label=_("Address (https://…)"),
        max_length=500,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Where Voces sends a signed message each time one of your complaints changes status."),
        error_messages={"required": _("Enter the address.")},
    )
    description = forms.CharField(label=_("What it is for"), max_length=200, required=False)
    organization = forms.ModelChoiceField(queryset=None, label=_("Organization"), empty_label=None)

    def __init__(self, *args, organizations: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        if len(organizations) > 1:
            self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        else:
            del self.fields["organization"]

    def chosen_organization(self):
        """The organisation chosen, or the member's only one."""
        return self.cleaned_data.get("organization") or self.organizations[0]
