"""Forms of the requester portal: report a breakdown on an asset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Resource
from plans.models import Priority


class BreakdownReportForm(forms.Form):
    """What is wrong, on which resource (of the user's sites), how urgent, and optionally a photo."""

    resource = forms.ModelChoiceField(
        label=_("Equipment"),
        queryset=Resource.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the equipment that has the problem."),
            "invalid_choice": _("Choose the equipment that has the problem."),
        },
    )
    title = forms.CharField(
        label=_("What is wrong?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Pump is leaking at the seal")}),
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw or heard, since when, whether it is still running."),
    )
    priority = forms.TypedChoiceField(
        label=_("How urgent is it?"), choices=Priority.choices, coerce=int, initial=Priority.HIGH
    )
    entity_down = forms.BooleanField(
        label=_("The equipment is down (it does not work at all)"),
        required=False,
        help_text=_("It is marked down until a supervisor puts it back in service."),
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, resources: QuerySet[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Say in a few words what is wrong."))
        return title


def add_service_error(form: forms.BaseForm, error: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """Show a service's ``ValidationError`` on the form, on the field it names (``renamed`` maps model fields
    to form fields, e.g. the attachment's ``file`` to the form's ``photo``)."""
    renamed = renamed or {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = renamed.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
