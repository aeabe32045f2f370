"""/api/docs loads Swagger UI from the platform itself, as the CSP demands."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_api_docs_load_every_script_and_style_from_the_platform(
    client: Client,
) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "<script>" not in html  # no inline script: the CSP allows none
    assert 'data-openapi-url="/api/openapi.json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
