"""GeoJSON of a site (``/api/v1/geo/sites/``) and the ``geojson`` exporter: RFC 7946 shape, longitude
first, properties, fallbacks, scoping, errors and a query count that does not grow with the site."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from shapely.geometry import shape

from assets.factories import AreaFactory, ResourceFactory
from core.api.testing import token_client
from exchange import registry
from exchange.services import export_file
from exchange.tests.geo_setup import PLANT_HOLE_CCW, PLANT_OUTER_CW, GeoSite, assert_rfc7946, by_key
from orders.factories import planned_order
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> GeoSite:
    world = GeoSite()
    world.add_orders()
    return world


def detail_url(site_id: int) -> str:
    return reverse("api:geo-site-detail", args=[site_id])


def test_a_site_is_one_rfc7946_feature_collection_with_longitude_first(world: GeoSite) -> None:
    response = token_client(world.supervisor).get(detail_url(world.site.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert_rfc7946(collection)
    features = by_key(collection)
    assert set(features) == {
        "area:NW",
        "area:NW-PLANT",
        "resource:P-101",
        "resource:V-7",
        "resource:M-3",
        "resource:C-1",
    }, "the room and the store have no position of their own; nothing of South yard"
    pump = features["resource:P-101"]
    assert pump["id"] == "resource:P-101"
    assert pump["geometry"] == {"type": "Point", "coordinates": [36.8219, -1.2921]}  # [longitude, latitude]
    assert pump["properties"] == {
        "id": world.pump.pk,
        "kind": "resource",
        "tag": "P-101",
        "name": "Raw water pump",
        "status": "down",
        "status_label": "Down",
        "criticality": 4,
        "criticality_label": "Critical",
        "resource_type": "Centrifugal pump CR 32",
        "area": "NW-PLANT",
        "site": "NW",
        "open_orders": 3,
        "late_orders": 2,
        "url": f"http://testserver/assets/resources/{world.pump.pk}/",
        "position_source": "own",
    }
    site = features["area:NW"]
    assert site["geometry"] == {"type": "Point", "coordinates": [36.815, -1.285]}
    assert site["properties"]["kind"] == "area"
    assert site["properties"]["code"] == "NW"
    assert site["properties"]["status"] is None
    assert site["properties"]["url"].endswith(f"?area={world.site.pk}")
    plant = features["area:NW-PLANT"]["properties"]
    assert (plant["open_orders"], plant["late_orders"], plant["area_kind"]) == (1, 0, "building")
    assert features["resource:V-7"]["properties"]["open_orders"] == 0
    west, south, east, north = collection["bbox"]
    assert (west, south, east, north) == (36.815, -1.294, 36.826, -1.285)


def test_outlines_are_rounded_and_wound_by_the_right_hand_rule(world: GeoSite) -> None:
    collection = token_client(world.supervisor).get(detail_url(world.site.pk)).json()
    outline = by_key(collection)["area:NW-PLANT"]["geometry"]
    exterior, hole = outline["coordinates"]
    # Stored clockwise with nine decimals: given counterclockwise (reversed) with six.
    assert exterior == [[round(lon, 6), round(lat, 6)] for lon, lat in reversed(PLANT_OUTER_CW)]
    assert hole == list(reversed(PLANT_HOLE_CCW)), "the hole turns clockwise"


def test_resources_without_a_position_take_their_nearest_areas_and_say_so(world: GeoSite) -> None:
    features = by_key(token_client(world.supervisor).get(detail_url(world.site.pk)).json())
    centroid = shape(features["area:NW-PLANT"]["geometry"]).exterior.centroid
    for tag in ("V-7", "M-3"):  # the valve is in the plant, the meter in a room of it
        feature = features[f"resource:{tag}"]
        assert feature["properties"]["position_source"] == "area"
        assert feature["properties"]["position_area"] == "NW-PLANT"
        lon, lat = feature["geometry"]["coordinates"]
        assert lon == pytest.approx(centroid.x, abs=1e-6)
        assert lat == pytest.approx(centroid.y, abs=1e-6)
    crate = features["resource:C-1"]
    assert crate["geometry"]["coordinates"] == [36.815, -1.285]  # the store has nothing: the site's point
    assert crate["properties"]["position_area"] == "NW"
    assert "position_area" not in features["resource:P-101"]["properties"]


def test_an_area_with_a_point_and_an_outline_is_two_features(world: GeoSite) -> None:
    world.plant.latitude, world.plant.longitude = Decimal("-1.292"), Decimal("36.823")
    world.plant.save()
    collection = token_client(world.supervisor).get(detail_url(world.site.pk)).json()
    assert_rfc7946(collection)
    features = by_key(collection)
    assert features["area:NW-PLANT"]["geometry"]["type"] == "Polygon"
    assert features["area:NW-PLANT:point"]["geometry"] == {"type": "Point", "coordinates": [36.823, -1.292]}
    assert features["area:NW-PLANT:point"]["id"] == "area:NW-PLANT:point"
    # The valve now stands at the plant's point rather than its outline's centroid.
    assert features["resource:V-7"]["geometry"]["coordinates"] == [36.823, -1.292]


def test_resources_with_no_position_anywhere_are_left_out(world: GeoSite) -> None:
    ResourceFactory(tag="S-2", area=world.other_pump.area)  # South yard and its building have no position
    administrator = make_role_user("Administrator")
    collection = token_client(administrator).get(detail_url(world.other_site.pk)).json()
    assert [f["properties"].get("tag") for f in collection["features"]] == ["S-1"]


def test_filters_by_status_and_late_orders(world: GeoSite) -> None:
    client = token_client(world.supervisor)
    down = client.get(detail_url(world.site.pk), {"status": "down"}).json()
    assert [f["id"] for f in down["features"]] == ["resource:P-101"]
    late = client.get(detail_url(world.site.pk), {"late": "true"}).json()
    assert [f["id"] for f in late["features"]] == ["resource:P-101"]
    nothing = client.get(detail_url(world.site.pk), {"status": "retired"}).json()
    assert nothing == {"type": "FeatureCollection", "features": []}
    wrong = client.get(detail_url(world.site.pk), {"status": "broken"})
    assert wrong.status_code == 400
    assert wrong["Content-Type"] == "application/json"
    assert "status" in wrong.json()


def test_other_sites_answer_404_in_json_and_nobody_unknown_gets_in(world: GeoSite) -> None:
    client = token_client(world.supervisor)
    for site_id in (world.other_site.pk, world.plant.pk, 999_999):  # another site, an area that is no site, none
        response = client.get(detail_url(site_id))
        assert response.status_code == 404, site_id
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    anonymous = client.__class__().get(detail_url(world.site.pk))
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"


def test_session_and_geojson_accept_header(client, world: GeoSite) -> None:
    client.force_login(world.supervisor)
    response = client.get(detail_url(world.site.pk), HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["type"] == "FeatureCollection"


def test_list_of_sites_is_scoped_and_counts_what_is_placed(world: GeoSite) -> None:
    response = token_client(world.supervisor).get(reverse("api:geo-site-list"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    rows = response.json()["results"]
    assert rows == [
        {
            "id": world.site.pk,
            "code": "NW",
            "name": "North works",
            "geojson": f"http://testserver{detail_url(world.site.pk)}",
            "placed_areas": 2,
            "placed_resources": 1,
            "updated_at": rows[0]["updated_at"],
        }
    ]
    everything = token_client(make_role_user("Administrator")).get(reverse("api:geo-site-list")).json()
    assert [row["code"] for row in everything["results"]] == ["NW", "SY"]


def test_query_count_does_not_grow_with_the_site(world: GeoSite, django_assert_max_num_queries) -> None:
    client = token_client(world.supervisor)
    url = detail_url(world.site.pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the first request of a process fills caches (content types, permissions)
    small = count()
    for index in range(25):
        area = AreaFactory(parent=world.site, latitude=Decimal("-1.28"), longitude=Decimal(36) + Decimal(index) / 100)
        resource = ResourceFactory(area=area, latitude=Decimal("-1.27"), longitude=Decimal("36.5"))
        planned_order(resource)
        ResourceFactory(area=area)  # placed at its area
    assert count() == small
    with django_assert_max_num_queries(8):
        assert len(client.get(url).json()["features"]) == 6 + 25 * 3
    with django_assert_max_num_queries(6):
        client.get(reverse("api:geo-site-list"))


def test_the_geojson_exporter_writes_one_site_or_every_site_the_user_sees(world: GeoSite) -> None:
    exporter = registry.exporter("geojson")
    assert exporter.options == ("site",)
    assert exporter.content_type == "application/geo+json"
    content, name, content_type = export_file(format="geojson", user=world.supervisor, options={"site": world.site.pk})
    assert name.endswith(".geojson")
    assert content_type == "application/geo+json"
    collection = json.loads(content)
    assert_rfc7946(collection)
    assert by_key(collection)["resource:P-101"]["properties"]["url"].endswith(f"/assets/resources/{world.pump.pk}/")
    with pytest.raises(ValueError, match="among your sites"):
        export_file(format="geojson", user=world.supervisor, options={"site": world.other_site.pk})
    with pytest.raises(ValueError, match="by its id"):
        export_file(format="geojson", user=world.supervisor, options={"site": "north"})
    mine = json.loads(export_file(format="geojson", user=world.supervisor, options={})[0])
    assert {f["properties"]["site"] for f in mine["features"]} == {"NW"}
    administrator = make_role_user("Administrator")
    every = json.loads(export_file(format="geojson", user=administrator, options={})[0])
    assert {f["properties"]["site"] for f in every["features"]} == {"NW", "SY"}
