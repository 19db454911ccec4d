"""Forms of the asset screens: entering a counter reading."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Counter, CounterKind, Reading

# A phone's clock may run a little ahead of the server's: a reading "from the future" within this margin
# is taken as now.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def add_model_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a model's ``ValidationError`` on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ReadingForm(forms.Form):
    """A reading of one counter, checked against the counter's rules (a cumulative one never goes back)."""

    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    taken_at = forms.DateTimeField(
        label=_("Taken at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    is_reset = forms.BooleanField(
        label=_("The meter was replaced or rolled over (reset)"),
        required=False,
        help_text=_("Counting starts again from this value."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, counter: Counter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = counter
        self.fields["value"].label = _("Value (%(unit)s)") % {"unit": counter.unit}
        self.fields["value"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        if counter.kind != CounterKind.CUMULATIVE:
            del self.fields["is_reset"]

    def clean_taken_at(self) -> datetime.datetime:
        taken_at: datetime.datetime | None = self.cleaned_data.get("taken_at")
        now = timezone.now()
        if taken_at is None:
            return now
        if taken_at > now + CLOCK_SKEW:
            raise ValidationError(_("A reading cannot be taken in the future."))
        return min(taken_at, now)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        value: Decimal | None = cleaned.get("value")
        taken_at = cleaned.get("taken_at")
        if value is None or taken_at is None:
            return cleaned
        # The model's own rules (never backwards, one reading per instant...), shown on their fields; the
        # reading service checks them again under a lock.
        reading = Reading(
            counter=self.counter,
            value=value,
            taken_at=taken_at,
            is_reset=cleaned.get("is_reset", False),
            note=cleaned.get("note", ""),
        )
        try:
            reading.full_clean(exclude=["entered_by", "source"])
        except ValidationError as error:
            add_model_errors(self, error)
        return cleaned
