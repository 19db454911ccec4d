"""The map screen (``/exchange/map/``): who sees it, the site selector and filters, the list of the same
places that works without JavaScript, the empty states, the vendored Leaflet and a bounded query count."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory
from exchange.tests.geo_setup import GeoSite
from orders.factories import planned_order
from people.factories import make_role_user

pytestmark = pytest.mark.django_db

MAP_URL = "/exchange/map/"


@pytest.fixture
def world() -> GeoSite:
    world = GeoSite()
    world.add_orders()
    return world


def page(client: Client, user, **query) -> str:
    client.force_login(user)
    response = client.get(MAP_URL, query)
    assert response.status_code == 200
    return response.content.decode()


def list_ids(html: str) -> list[str]:
    return re.findall(r'<li id="(map-feature-[^"]+)"', html)


def test_url_and_who_may_see_the_map(client: Client, world: GeoSite) -> None:
    assert reverse("exchange:map") == MAP_URL
    for role in ("Supervisor", "Planner", "Administrator"):
        client.force_login(make_role_user(role, site=world.site))
        assert client.get(MAP_URL).status_code == 200, role
    for role in ("Technician", "Storekeeper", "Requester", "Integrator"):
        client.force_login(make_role_user(role, site=world.site))
        assert client.get(MAP_URL).status_code == 403, role
    client.logout()
    response = client.get(MAP_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_offers_the_map_to_those_roles_only(client: Client, world: GeoSite) -> None:
    link = f'href="{MAP_URL}"'
    client.force_login(make_role_user("Planner", site=world.site))
    assert link in client.get("/").content.decode()
    client.force_login(make_role_user("Technician", site=world.site))
    assert link not in client.get("/").content.decode()


def test_the_page_lists_the_same_places_the_map_draws(client: Client, world: GeoSite) -> None:
    html = page(client, world.supervisor)
    assert list_ids(html) == [
        "map-feature-area-NW",
        "map-feature-area-NW-PLANT",
        "map-feature-C-1",
        "map-feature-M-3",
        "map-feature-P-101",
        "map-feature-V-7",
    ]
    api = reverse("api:geo-site-detail", args=[world.site.pk])
    assert f'data-geojson-url="{api}"' in html
    assert client.get(api).json()["features"][0]["properties"]["code"] == "NW", "the session reads the API"
    pump = html[html.index('id="map-feature-P-101"') :]
    pump = pump[: pump.index("</li>")]
    assert f'href="/assets/resources/{world.pump.pk}/"' in pump
    assert "status-down" in pump
    assert "3 open orders" in pump
    assert "2 late" in pump
    valve = html[html.index('id="map-feature-V-7"') :]
    assert "placed at its area NW-PLANT" in valve[: valve.index("</li>")]
    assert 'id="map-legend"' in html
    assert "vendor/leaflet/leaflet.js" in html
    assert "exchange/map.js" in html
    assert 'data-tile-url=""' in html, "no tile server by default: nothing is fetched from elsewhere"
    assert "<noscript>" in html
    assert f'<option value="{world.site.pk}" selected>' in html
    assert f'value="{world.other_site.pk}"' not in html, "only the user's sites"


def test_the_tile_server_is_a_setting(client: Client, world: GeoSite, settings) -> None:
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example contributors"
    html = page(client, world.supervisor)
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Example contributors"' in html


def test_filters_by_status_and_late_orders(client: Client, world: GeoSite) -> None:
    down = page(client, world.supervisor, status="down")
    assert list_ids(down) == ["map-feature-P-101"]
    api = reverse("api:geo-site-detail", args=[world.site.pk])
    assert f'data-geojson-url="{api}?status=down"' in down
    late = page(client, world.supervisor, late="on", site=world.site.pk)
    assert list_ids(late) == ["map-feature-P-101"]
    assert f'data-geojson-url="{api}?late=true"' in late
    nothing = page(client, world.supervisor, status="retired")
    assert list_ids(nothing) == []
    assert 'id="map-no-match"' in nothing
    assert 'id="site-map"' in nothing, "the map stays (and shows nothing) so the filters can be changed"


def test_another_sites_id_answers_404(client: Client, world: GeoSite) -> None:
    client.force_login(world.supervisor)
    assert client.get(MAP_URL, {"site": world.other_site.pk}).status_code == 404
    assert client.get(MAP_URL, {"site": "north"}).status_code == 404


def test_empty_states(client: Client, world: GeoSite) -> None:
    ResourceFactory(tag="S-2", area=world.other_pump.area)
    world.other_pump.latitude = world.other_pump.longitude = None
    world.other_pump.save()
    south = page(client, make_role_user("Supervisor", site=world.other_site))
    assert 'id="map-empty"' in south
    assert "South yard has a position yet" in south.replace("No area or equipment of ", "")
    assert 'id="site-map"' not in south
    assert list_ids(south) == []
    nowhere = page(client, make_role_user("Planner"))
    assert 'id="map-no-site"' in nowhere
    assert "<form" not in nowhere.split('id="main"')[1]


def test_equipment_without_any_position_is_counted(client: Client, world: GeoSite) -> None:
    ResourceFactory(tag="S-2", area=world.other_pump.area)
    html = page(client, make_role_user("Administrator"), site=world.other_site.pk)
    assert list_ids(html) == ["map-feature-S-1"]
    assert "1 piece of equipment has no position" in html


def test_query_count_does_not_grow_with_the_site(client: Client, world: GeoSite) -> None:
    client.force_login(world.supervisor)
    client.get(MAP_URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MAP_URL).status_code == 200
        return len(queries)

    small = count()
    for index in range(20):
        area = AreaFactory(parent=world.site, latitude=Decimal("-1.28"), longitude=Decimal(36) + Decimal(index) / 100)
        planned_order(ResourceFactory(area=area))
    assert count() == small
    assert small <= 12


def test_leaflet_is_vendored_with_its_licence() -> None:
    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "leaflet"
    assert "Leaflet 1.9.4" in (folder / "leaflet.js").read_text()[:200]
    assert (folder / "leaflet.css").is_file()
    assert (folder / "leaflet.js.map").is_file(), "leaflet.js names its source map: collectstatic needs it"
    assert "BSD 2-Clause License" in (folder / "LICENSE").read_text()
    assert {p.name for p in (folder / "images").iterdir()} >= {"marker-icon.png", "layers.png"}
