"""The web image's nginx.conf, served by a real nginx in front of a real API: the page and
its caching rules, the single-page app's routes, and /api/ with its WebSocket proxied.

The configuration is the image's own, with only what belongs to the container replaced:
the API's address (compose's `api:8000`), the page's directory, the port and the pid file.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from bolttickets.api.security_headers import HEADERS
from tests.conftest import REPO
from tests.deploy.tools import tool
from tests.support import Server, eventually, free_port

CONF = REPO / "deploy" / "docker" / "nginx.conf"
WEB = REPO / "src" / "bolttickets" / "web"
YEAR = "public, max-age=31536000, immutable"


def replaced_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"nginx.conf should say {old!r} once"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    """nginx.conf and the built page in a directory nginx's workers can read: when the
    tests run as root, nginx runs them as `nobody`."""
    assert (WEB / "index.html").is_file(), "the front end is not built: run make frontend"
    root = Path(tempfile.mkdtemp(prefix="bolt-nginx-"))
    try:
        shutil.copytree(WEB, root / "html")
        shutil.copy(Path(tool("nginx")).resolve().parents[2] / "etc/nginx/mime.types", root)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(root)


@pytest.fixture(scope="module")
def nginx(site: Path, api: Server) -> Iterator[str]:
    """nginx started on the configuration (checked by `nginx -t` first); its URL."""
    port = free_port()
    conf = CONF.read_text()
    conf = replaced_once(conf, "server api:8000;", f"server 127.0.0.1:{api.port};")
    conf = replaced_once(conf, "root /usr/share/nginx/html;", f"root {site / 'html'};")
    conf = replaced_once(conf, "listen 8080;", f"listen 127.0.0.1:{port};")
    conf = replaced_once(conf, "pid /tmp/nginx.pid;", f"pid {site / 'nginx.pid'};")
    (site / "nginx.conf").write_text(conf)
    command = [tool("nginx"), "-p", str(site), "-c", str(site / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    with (site / "nginx.log").open("wb") as log:
        process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(30)
    assert process.returncode == 0, (site / "nginx.log").read_text()


@pytest.fixture(scope="module")
async def web(nginx: str, site: Path) -> str:
    async with httpx.AsyncClient(base_url=nginx) as client:

        async def answers() -> bool:
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/healthz")).status_code == 200
            return False

        try:
            await eventually(answers, bool, timeout=60)
        except AssertionError:
            raise AssertionError((site / "nginx.log").read_text()) from None
    return nginx


@pytest.fixture
async def client(web: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web) as http:
        yield http


async def test_index_html_is_revalidated_on_every_visit(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and "<title>BoltTickets</title>" in page.text
    assert page.headers["cache-control"] == "no-cache"


async def test_the_page_carries_the_apis_security_headers(client: httpx.AsyncClient) -> None:
    page, api = await client.get("/"), await client.get("/api/events")
    for name, value in HEADERS:
        assert page.headers[name.decode()] == value.decode()
        assert api.headers.get_list(name.decode()) == [value.decode()]  # not added twice
    asset = await client.get(re.findall(r'src="(/assets/[^"]+\.js)"', page.text)[0])
    assert asset.headers["x-content-type-options"] == "nosniff"


async def test_a_route_of_the_app_is_its_index_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/events/any/route")
    assert page.status_code == 200 and page.text == (WEB / "index.html").read_text()
    assert page.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_a_year(client: httpx.AsyncClient) -> None:
    index = (WEB / "index.html").read_text()
    [script] = re.findall(r'src="(/assets/[^"]+\.js)"', index)[:1]
    asset = await client.get(script)
    assert asset.status_code == 200 and asset.content == (WEB / script.lstrip("/")).read_bytes()
    assert asset.headers["cache-control"] == YEAR
    assert "javascript" in asset.headers["content-type"]
    # A missing asset is a 404, not the index page under a year-long cache.
    assert (await client.get("/assets/missing-0000.js")).status_code == 404


async def test_the_api_is_proxied(client: httpx.AsyncClient) -> None:
    events = await client.get("/api/events")
    assert events.status_code == 200 and "items" in events.json()
    assert "no-cache" not in events.headers.get("cache-control", "")


async def test_a_cookie_write_from_the_page_passes_the_apis_origin_check(
    client: httpx.AsyncClient, web: str
) -> None:
    """nginx passes the Host as the browser sent it, port included, so the API sees the
    page's Origin as its own: the write reaches authentication (401 for a cookie of no
    session), where a foreign Origin is refused before it (403)."""
    logout = await client.post(
        "/api/auth/logout", headers={"Cookie": "bolt_session=any", "Origin": web}
    )
    assert logout.status_code == 401, logout.text
    assert logout.json()["type"] == "/problems/unauthorized", logout.text
    foreign = await client.post(
        "/api/auth/logout", headers={"Cookie": "bolt_session=any", "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403, foreign.text


async def test_the_realtime_websocket_is_proxied(web: str) -> None:
    async with websockets.connect(web.replace("http", "ws", 1) + "/api/realtime") as socket:
        await socket.send(orjson.dumps({"type": "no-such-message"}).decode())
        answer = orjson.loads(await socket.recv(decode=False))
    assert answer["type"] == "error", answer
