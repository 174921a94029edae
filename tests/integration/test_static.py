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
