from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldOffice(models.Model):
    """An ICE Enforcement and Removal Operations field office and the states it covers.

    Seed data loaded by a migration from intake/data/ice_field_offices.csv; staff may edit it, as
    office boundaries change. Where several offices share a state, the state alone cannot decide.
    """

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    states = models.JSONField(default=list, help_text="Two-letter state codes")
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
