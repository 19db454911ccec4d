"""The signature part of a form and of an API request: password or authenticator code, and the meaning.

Screens add the fields with ``add_signature_fields`` (the code field only for a user with a confirmed
TOTP device); API input serializers derive from ``SignatureInputSerializer``. Both hand the values to the
signed action's service, which calls ``people.signatures.sign``: the service, not the form, decides.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from people.signature_models import Signature, SignatureMeaning
from people.signatures import SignatureCheck, check, checks_of, has_totp

SIGNATURE_FIELDS = ("password", "otp_token", "meaning", "statement")


def add_signature_fields(
    form: forms.BaseForm, user: Any, *, meaning: str, statement: Any = "", required: bool = True
) -> None:
    """Add the signature fields to ``form`` (the password or code is checked by the service)."""
    form.fields["password"] = forms.CharField(
        label=_("Your password (signature)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    if has_totp(user):
        form.fields["otp_token"] = forms.CharField(
            label=_("or the code of your authenticator app"),
            required=False,
            max_length=16,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        )
    form.fields["meaning"] = forms.ChoiceField(
        label=_("Meaning of the signature"), choices=SignatureMeaning.choices, initial=meaning, required=required
    )
    form.fields["statement"] = forms.CharField(
        label=_("Statement (optional)"), max_length=300, required=False, initial=statement
    )


def signature_values(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """The service's signature arguments from a form's cleaned data."""
    values = {name: cleaned_data.get(name) or "" for name in SIGNATURE_FIELDS}
    values["password"] = values["password"] or None
    values["otp_token"] = values["otp_token"] or None
    return values


class SignatureInputSerializer(serializers.Serializer):
    """Signature fields of a signed API action: ``password`` or ``otp_token``, ``meaning``, ``statement``."""

    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)
    otp_token = serializers.CharField(required=False, allow_blank=True, max_length=16, write_only=True)
    meaning = serializers.ChoiceField(choices=SignatureMeaning.choices, required=False)
    statement = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SignatureSerializer(serializers.ModelSerializer):
    """A signature as the API shows it, with whether the record still matches what was signed."""

    valid = serializers.SerializerMethodField()
    changed_fields = serializers.SerializerMethodField()

    class Meta:
        model = Signature
        fields = [
            "id",
            "action",
            "signer",
            "signer_name",
            "signed_at",
            "meaning",
            "statement",
            "method",
            "content_hash",
            "valid",
            "changed_fields",
        ]
        read_only_fields = fields

    def get_valid(self, signature: Signature) -> bool:
        return self._check(signature).valid

    def get_changed_fields(self, signature: Signature) -> list[str]:
        return [str(name) for name in self._check(signature).changed]

    def _check(self, signature: Signature) -> SignatureCheck:
        checks: dict[int, SignatureCheck] = self.context.setdefault("signature_checks", {})
        if signature.pk not in checks:
            checks[signature.pk] = check(signature, self.context.get("signed_record"))
        return checks[signature.pk]


def signatures_data(record: Any) -> list[dict[str, Any]]:
    """The signatures of ``record`` as the API shows them, checked against the row as given (one query)."""
    checks = checks_of([record]).get(record.pk, [])
    return [
        dict(SignatureSerializer(item.signature, context={"signature_checks": {item.signature.pk: item}}).data)
        for item in checks
    ]
