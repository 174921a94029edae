"""One API on the embedded default for every test of tests/deploy that needs one: a real
`bolttickets serve` behind the nginx test's proxy and under the release scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support import Server


@pytest.fixture(scope="package")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    server = Server(tmp_path_factory.mktemp("api"))
    await server.start()
    yield server
    server.stop()
