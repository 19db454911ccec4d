"""Forms of the investment screens. They only shape input: the services in ``investment.services`` decide
(and their ``ValidationError`` comes back onto the form's fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from investment.models import InvestmentSettings, ResourceLifecycle
from investment.services import LIFECYCLE_FIELDS

AS_COMPUTED = ""


def add_service_error(form: forms.BaseForm, error: ValidationError, *, renames: dict[str, str] | None = None) -> None:
    """Show a service's ``ValidationError`` on the form: on its field where it names one."""
    renames = renames or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            name = renames.get(name, name)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ReplacementMoveForm(forms.Form):
    """The year a resource's replacement is planned for, among the forecast's years (or as computed)."""

    year = forms.TypedChoiceField(label=_("Replace in"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, years: range, computed_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        computed = _("as computed (%(year)s)") % {"year": computed_year} if computed_year else _("as computed")
        field = self.fields["year"]
        field.choices = [(AS_COMPUTED, computed), *[(year, str(year)) for year in years]]  # type: ignore[attr-defined]


class ForecastSettingsForm(forms.ModelForm):
    """Inflation, horizon and base year of the organisation's forecast."""

    class Meta:
        model = InvestmentSettings
        fields = ["inflation_rate", "horizon_years", "base_year"]
        widgets = {
            "inflation_rate": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "max": "100", "inputmode": "decimal"}
            ),
        }


class ResourceLifecycleForm(forms.ModelForm):
    """A resource's own expected life, replacement cost, consequence and likelihood (blank: the type's)."""

    class Meta:
        model = ResourceLifecycle
        fields = list(LIFECYCLE_FIELDS)
        widgets = {
            "replacement_cost": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            "currency": forms.TextInput(attrs={"size": 3, "maxlength": 3, "autocapitalize": "characters"}),
        }

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()
