"""The schema documents the shared error answers, and unknown URLs under /api/ answer JSON like the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.api.schema import error_responses


@pytest.mark.django_db
def test_every_operation_documents_its_error_answers(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 150
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert {"401", "403", "429"} <= codes, (method, path)
        assert ("404" in codes) == ("{" in path or any(p["name"] == "page" for p in operation.get("parameters", []))), (
            method,
            path,
        )
        assert ("409" in codes) == (method != "get"), (method, path)
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["detail"]


def test_error_responses_by_kind_of_operation():
    read = {"parameters": [{"in": "query", "name": "q"}]}
    assert set(error_responses("get", read)) == {"400", "401", "403", "429"}
    write = {"parameters": [{"in": "path", "name": "id"}], "requestBody": {}}
    assert set(error_responses("patch", write)) == {"400", "401", "403", "404", "409", "415", "429"}


@pytest.mark.django_db
def test_unknown_api_url_answers_json_404_and_screens_the_page(client):
    api = client.get("/api/v1/orders/not-a-number/")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
