"""The OpenAPI schema and Swagger UI are served with no outside network."""

from __future__ import annotations

import gzip
import re

from django.test import Client

from tests.openapi import schema


def test_openapi_json_is_public_and_complete(db: object) -> None:
    response = Client().get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert "request_id" in document["components"]["schemas"]["Error"]["properties"]


def test_every_operation_documents_its_errors() -> None:
    for template, operations in schema()["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429", "500"} <= codes, (method, template)
            if method == "post":
                assert {"400", "409", "413", "415"} <= codes, (method, template)
            if "{" in template:
                assert "404" in codes, (method, template)


def test_swagger_ui_loads_only_local_assets(db: object) -> None:
    client = Client()
    page = client.get("/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page references its script and styles"
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), f"outside asset {asset}"
        if asset.startswith("/static/"):
            served = client.get(asset)
            try:
                assert served.status_code == 200, asset
            finally:
                served.close()


def test_the_schema_is_served_compressed_and_cacheable(db: object) -> None:
    client = Client()
    plain = client.get("/v1/openapi.json")
    compressed = client.get("/v1/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) * 5 < len(plain.content)
    assert "max-age" in plain["Cache-Control"] and "Accept-Encoding" in plain["Vary"]
    assert plain["ETag"] == compressed["ETag"]
    again = client.get("/v1/openapi.json", headers={"If-None-Match": plain["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_operation_descriptions_hold_no_internal_notes() -> None:
    """What an integrator reads in Swagger: the contract, not our implementation notes."""
    internal = re.compile(r"\b(TODO|FIXME|XXX|select_related|prefetch|queryset|serializer|viewset)\b", re.I)
    for template, operations in schema()["paths"].items():
        for method, operation in operations.items():
            text = f"{operation.get('summary', '')} {operation.get('description', '')}"
            assert not internal.search(text), (method, template, internal.search(text))
    for name, component in schema()["components"]["schemas"].items():
        assert "Stripe" not in component.get("description", ""), name
        assert not internal.search(component.get("description", "")), name


def test_swagger_ui_assets_are_served_compressed_and_cacheable(db: object) -> None:
    client = Client()
    path = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    plain = client.get(path)
    compressed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert compressed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    body = gzip.decompress(b"".join(compressed.streaming_content) if compressed.streaming else compressed.content)
    assert body == (b"".join(plain.streaming_content) if plain.streaming else plain.content)
    assert "max-age" in compressed["Cache-Control"]
    page = client.get("/v1/docs", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in page  # HTML with tokens is never compressed (BREACH)
