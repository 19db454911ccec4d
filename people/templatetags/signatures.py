"""``{% signatures record %}``: the manifestation of a record's electronic signatures (who, when in UTC,
meaning, and whether the record still matches what was signed), for any app's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from people.signature_models import SignatureMeaning
from people.signatures import SignatureCheck, checks_of, has_totp

register = template.Library()


@register.inclusion_tag("people/_signatures.html")
def signatures(record: models.Model | None, checks: list[SignatureCheck] | None = None) -> dict[str, Any]:
    """The signatures of ``record`` (read in one query), or the ``checks`` a list page read for its rows."""
    if checks is None:
        checks = checks_of([record]).get(record.pk, []) if record is not None and record.pk else []
    return {"checks": checks}


@register.inclusion_tag("people/_signature_inputs.html")
def signature_inputs(user: Any, prefix: Any, meaning: str = SignatureMeaning.APPROVED) -> dict[str, Any]:
    """The signature fields of a small inline form (a list's approve button): password, the authenticator
    code for a user who has one, the meaning and a statement. Their names are the service's arguments."""
    totp = getattr(user, "_signature_has_totp", None)
    if totp is None:  # asked once per request's user, however many forms the page shows
        totp = has_totp(user)
        user._signature_has_totp = totp
    return {"prefix": prefix, "totp": totp, "meaning": meaning, "meanings": SignatureMeaning.choices}
