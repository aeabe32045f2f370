"""Browser tests: Debian's Chromium, headless, driven by Playwright.

Fixtures:

``page``
    a Playwright page whose relative URLs go to pytest-django's ``live_server``;
    the test fails on any console error (which includes Content-Security-Policy
    violations, so a script from another host would be caught).
``login(page, user)``
    logs ``user`` in through the real login form.
``assert_no_axe_violations(page)``
    runs axe-core on the current page and fails with its report.
``tile_server``
    a real map tile server on localhost, configured as the platform's tile
    server; the fixture's value is the list of tile paths requested so far.
``new_context(**options)``
    another browser context (a second person) with the same timeouts.

Tests wait for conditions (``expect(...)``, ``wait_for_url``,
``wait_for_function``), never for the network to be idle or for a fixed time:
on a busy machine a page may take long, and every wait gives it
:data:`TIMEOUT_MS`.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from allmende.accounts.models import User
from tests.accounts.factories import PASSWORD

# How long any wait may take before a test fails: generous, because the
# machine running the tests may be busy with other work.
TIMEOUT_MS = 60_000

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


def _chromium_path() -> str | None:
    return os.environ.get("ALLMENDE_CHROMIUM") or shutil.which("chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module.

    While Playwright's sync API is active an event loop runs in this thread, so
    Django would refuse ORM calls from it; they are still synchronous and safe,
    which DJANGO_ALLOW_ASYNC_UNSAFE says, for exactly as long as the browser
    lives.
    """
    executable = _chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Any, live_server: Any, settings: Any) -> Callable[..., Any]:
    settings.ALLOWED_HOSTS = ["*"]

    def make(**options: Any) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale="de-DE",
            **{"viewport": {"width": 1280, "height": 900}, **options},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context

    return make


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Iterator[Any]:
    context = new_context()
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        # Failed loads are checked below, where the URL is known.
        if message.type == "error" and not message.text.startswith(
            "Failed to load resource"
        ):
            errors.append(message.text)

    def on_response(response: Any) -> None:
        # A page may answer 4xx on purpose (a 404 page, a form with errors);
        # an asset it loads may not.
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"Browser console errors: {errors}"


@pytest.fixture
def login() -> Callable[[Any, User], None]:
    def do_login(page: Any, user: User) -> None:
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/accounts/login/" not in page.url, "the login failed"

    return do_login


@pytest.fixture
def assert_no_axe_violations() -> Callable[[Any], None]:
    axe = Axe()

    def check(page: Any) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, (
            f"axe-core found violations on {page.url}:\n" + results.generate_report()
        )

    return check


def _grey_tile() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 200, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def tile_server(settings: Any) -> Iterator[list[str]]:
    tile = _grey_tile()
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    settings.ALLMENDE_MAP_TILE_URL = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
    yield requested
    server.shutdown()
    server.server_close()
