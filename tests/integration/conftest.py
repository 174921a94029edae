from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support import Api, Server


@pytest.fixture(scope="module")
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """An embedded server shared by the tests of one module; a module may set SERVER_ENV."""
    server = Server(tmp_path_factory.mktemp("server"), getattr(request.module, "SERVER_ENV", {}))
    await server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def api(server: Server) -> AsyncIterator[Api]:
    client = Api(server)
    yield client
    await client.close()
