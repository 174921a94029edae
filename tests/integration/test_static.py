"""The web page: deep links fall back to index.html, assets are cached and compressed."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support import Server


async def test_the_web_page_is_served_with_caching_and_compression(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>BoltTickets</title>")
    (site / "assets" / "app-1a2b3c.js").write_text("console.log('bolt');\n" * 200)
    server = Server(tmp_path / "server", {"BOLT_STATIC_DIR": str(site)})
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            asset = await client.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": "gzip"})
            page = await client.get("/events/some-deep-link")
            api_miss = await client.get("/api/not-a-route")
            api_post_miss = await client.post("/api/not-a-route", json={})
            booking = await client.post(
                "/api/bookings", json={}, headers={"Accept-Encoding": "gzip"}
            )
    finally:
        server.stop()
    assert asset.status_code == 200 and asset.headers["content-encoding"] == "gzip"
    assert "immutable" in asset.headers["cache-control"]
    assert page.status_code == 200 and "BoltTickets" in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert api_miss.status_code == 404 and api_miss.json()["type"] == "/problems/not-found"
    assert api_post_miss.status_code == 404
    assert "content-encoding" not in booking.headers


async def test_without_a_built_web_page_the_home_page_says_so(tmp_path: Path) -> None:
    # What a wheel built before the front end serves: the API, a 404 page that says how to
    # get the web page, and a log line at start-up.
    server = Server(tmp_path / "server", {"BOLT_STATIC_DIR": str(tmp_path / "not-built")})
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            home = await client.get("/")
            health = await client.get("/health/ready")
    finally:
        server.stop()
    assert home.status_code == 404 and "text/html" in home.headers["content-type"]
    assert "make frontend" in home.text and 'href="/docs"' in home.text
    assert health.status_code == 200
    assert "web_page_missing" in server.log_path.read_text()
