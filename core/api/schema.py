"""The OpenAPI schema documents the errors every endpoint can answer, not only its success.

drf-spectacular documents the success response of each operation. The errors come from the shared
building blocks (``core.api.exceptions``, the permission class, pagination, throttling), the same for
every endpoint, so one postprocessing hook adds them where they can occur instead of an
``extend_schema`` on each view. An integrator's generated client then knows every status code it can
get, and the API fuzzing test (``tests/security/test_api_fuzz.py``) holds each answer to the schema.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
WRITE_METHODS = ("put", "post", "patch", "delete")

DETAIL_SCHEMA = "ErrorDetail"
VALIDATION_SCHEMA = "ValidationErrors"
COMPONENTS: dict[str, dict[str, Any]] = {
    DETAIL_SCHEMA: {
        "type": "object",
        "description": "An error with one message.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_SCHEMA: {
        "type": "object",
        "description": (
            "The input was not valid: field name (or non_field_errors) -> messages; nested fields nest. "
            "A request that could not be read answers {detail: message}."
        ),
        "additionalProperties": {},
    },
}


def _response(description: str, schema_name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def error_responses(method: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error responses ``operation`` can answer, by status code.

    - 400: a query parameter or the body is not valid (filters, ordering, page size, field errors);
    - 401: no or wrong credentials; 403: the user's roles may not; 429: throttled;
    - 404: a path id that does not exist or is on another site, or a page past the last;
    - 409 on writes: not possible in the record's state, or a concurrent change won;
    - 415 on writes with a body: a content type the endpoint does not read.
    """
    parameters = operation.get("parameters", [])
    has_query = any(parameter.get("in") == "query" for parameter in parameters)
    has_path = any(parameter.get("in") == "path" for parameter in parameters)
    has_page = any(parameter.get("in") == "query" and parameter.get("name") == "page" for parameter in parameters)
    has_body = "requestBody" in operation
    answers = {
        "401": _response(str(_("Authentication credentials were not provided or are not valid.")), DETAIL_SCHEMA),
        "403": _response(str(_("The user's roles or sites do not allow this.")), DETAIL_SCHEMA),
        "429": _response(str(_("Too many requests; retry after the Retry-After header's seconds.")), DETAIL_SCHEMA),
    }
    if has_query or has_body or method in WRITE_METHODS:
        answers["400"] = _response(str(_("The input is not valid.")), VALIDATION_SCHEMA)
    if has_path or has_page:
        answers["404"] = _response(str(_("Not found (or on a site the user does not see).")), DETAIL_SCHEMA)
    if method in WRITE_METHODS:
        answers["409"] = _response(str(_("Not possible in the record's current state.")), DETAIL_SCHEMA)
        if has_body:
            answers["415"] = _response(str(_("Unsupported media type.")), DETAIL_SCHEMA)
    return answers


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the shared error responses to every operation.

    An operation's own ``extend_schema(responses=...)`` entry for a status code wins over the shared one.
    """
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status_code, response in error_responses(method, operation).items():
                responses.setdefault(status_code, response)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    return result
