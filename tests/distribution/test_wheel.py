"""What `pip install` gives a user: the sdist and the wheel built from it (as `make dist`
builds them), installed in a fresh virtual environment and started outside the checkout
without BOLT_STATIC_DIR, serve the web page."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest

from tests.distribution.lock import ROOT
from tests.support import Server

WEB = ROOT / "src" / "bolttickets" / "web"


@pytest.fixture(autouse=True)
def _built_front_end() -> None:
    # Failed, not skipped: a wheel without its web page is the fault this module catches.
    assert (WEB / "index.html").is_file(), "the front end is not built: run make frontend"


def run(*args: str | Path) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def install(wheel: Path, venv: Path) -> Path:
    """A fresh virtual environment with the wheel in it; returns its ``bolttickets``."""
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel)
    # The dependencies are this environment's, installed from the lock, rather than a
    # download of them all: a path line makes its site-packages importable without reading
    # its .pth files, so the checkout's editable install stays out of sight.
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    imported = run(python, "-c", "import bolttickets; print(bolttickets.__file__)").strip()
    assert Path(imported).is_relative_to(site), f"bolttickets imported from {imported}"
    return venv / "bin" / "bolttickets"


async def test_the_installed_wheel_serves_its_web_page(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT)
    bolttickets = install(next(dist.glob("*.whl")), tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = Server(tmp_path / "server", executable=str(bolttickets), cwd=elsewhere)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            page = await client.get("/")
            scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
            asset = await client.get(scripts[0]) if scripts else None
    finally:
        server.stop()
    assert page.status_code == 200 and "<title>BoltTickets</title>" in page.text, page.text
    assert asset is not None and asset.status_code == 200, scripts
    assert asset.headers["content-type"].startswith("text/javascript")
    assert asset.content == (WEB / scripts[0].lstrip("/")).read_bytes()
    assert "web_page_missing" not in server.log_path.read_text()
