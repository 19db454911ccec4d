"""Through which channel a record was entered: a phone in the field, a desktop browser, the API, an import.

The adoption KPIs ask "how much is entered by phone"; the screens tell by the browser's User-Agent.
Tablets count as phones: both are the device carried to the equipment. iPads since iPadOS 13 send the
desktop Safari User-Agent by default and are counted as desktops: the header cannot tell them apart.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryChannel(models.TextChoices):
    # Rows recorded before the channel was tracked, and rows whose writer did not say.
    UNKNOWN = "", _("Unknown")
    PHONE = "phone", _("Phone or tablet")
    DESKTOP = "desktop", _("Desktop browser")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    SYSTEM = "system", _("System")


# "Mobi" is what every phone browser puts in its User-Agent (Chrome, Safari, Firefox, Samsung Internet);
# Android without "Mobile" is a tablet; the rest are the phones and tablets that say neither.
MOBILE_USER_AGENT = re.compile(
    r"Mobi|Android|iPhone|iPad|iPod|Windows Phone|IEMobile|BlackBerry|BB10|Opera Mini|Kindle|Silk|webOS",
    re.IGNORECASE,
)


def channel_of_user_agent(user_agent: str) -> str:
    """``phone`` for a phone or tablet browser, ``desktop`` for any other browser (or none said)."""
    return EntryChannel.PHONE.value if MOBILE_USER_AGENT.search(user_agent or "") else EntryChannel.DESKTOP.value


def entry_channel(request: Any) -> str:
    """The channel of a screen request, from its User-Agent header."""
    return channel_of_user_agent(request.META.get("HTTP_USER_AGENT", ""))
