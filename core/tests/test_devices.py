"""The entry channel of a screen request, told from real browsers' User-Agent headers."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.devices import EntryChannel, channel_of_user_agent, entry_channel

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Mobile/15E148 Safari/604.1"
)
SAMSUNG_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "channel"),
    [
        (ANDROID_CHROME, "phone"),
        (IPHONE_SAFARI, "phone"),
        (SAMSUNG_TABLET, "phone"),  # a tablet goes to the equipment too
        (FIREFOX_WINDOWS, "desktop"),
        (FIREFOX_LINUX, "desktop"),  # "Linux" alone is no Android
        (CHROME_MAC, "desktop"),
        ("", "desktop"),
    ],
)
def test_channel_of_real_user_agents(user_agent: str, channel: str) -> None:
    assert channel_of_user_agent(user_agent) == channel
    request = RequestFactory().get("/", HTTP_USER_AGENT=user_agent) if user_agent else RequestFactory().get("/")
    assert entry_channel(request) == channel
    assert channel in EntryChannel.values
