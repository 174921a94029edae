"""Every connection over TLS, verified against a CA this module makes (trustme).

The API serves HTTPS itself; the API and the worker reach PostgreSQL with
``sslmode=verify-full``, Redis with ``rediss://`` and Kafka with ``SSL``. The test's
PostgreSQL and Redis are switched to TLS for the module and back afterwards: PostgreSQL
reloads ``ssl`` without a restart, Redis opens a TLS port beside its plain one. Kafka's SSL
listener has the certificate of scripts/services' own throwaway CA.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import sqlalchemy as sa
import trustme
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.engine import make_url

from bolttickets.adapters.kafka_queue import kafka_reachable
from bolttickets.adapters.kafka_security import KafkaSecurity
from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.adapters.sqlalchemy.database import Database
from tests.conftest import SecuredKafka
from tests.postgres import pg_connect
from tests.stack.conftest import running_stack
from tests.support import Api, Socket, eventually, free_port

# The file names the test's certificate gets in PostgreSQL's data directory.
PG_CERT, PG_KEY = "bolt-test-tls.crt", "bolt-test-tls.key"
_SSL_IN_USE = sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


class Pki(NamedTuple):
    ca: Path
    """The CA every client verifies the servers with."""
    cert: Path
    key: Path
    stranger: Path
    """Another CA's certificate: whoever trusts only this must refuse every server."""
    leaf: trustme.LeafCert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    where = tmp_path_factory.mktemp("tls")
    files = Pki(
        where / "ca.pem", where / "server.pem", where / "server.key", where / "other.pem", leaf
    )
    ca.cert_pem.write_to_path(str(files.ca))
    files.cert.write_bytes(_chain(leaf))
    leaf.private_key_pem.write_to_path(str(files.key))
    trustme.CA().cert_pem.write_to_path(str(files.stranger))
    return files


def _chain(leaf: trustme.LeafCert) -> bytes:
    return b"".join(pem.bytes() for pem in leaf.cert_chain_pems)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _postgres_url(admin_url: str, root_cert: Path) -> str:
    url = make_url(admin_url).update_query_dict(
        {"sslmode": "verify-full", "sslrootcert": str(root_cert)}
    )
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
async def postgres_tls(postgres_admin_url: str, pki: Pki) -> AsyncIterator[str]:
    """The admin URL with ``sslmode=verify-full``, while the server speaks TLS.

    The certificate and key are written by the server itself (``lo_export``) into its data
    directory: that way they belong to the user PostgreSQL runs as (as it demands of a
    key), and should the restore below never run, a restart still finds them.
    """
    conn = await pg_connect(postgres_admin_url)
    try:
        data_dir = Path(await conn.fetchval("SHOW data_directory"))
        key = pki.leaf.private_key_pem.bytes()
        for name, content in ((PG_CERT, _chain(pki.leaf)), (PG_KEY, key)):
            oid = await conn.fetchval("SELECT lo_from_bytea(0, $1)", content)
            await conn.execute("SELECT lo_export($1, $2)", oid, str(data_dir / name))
            await conn.execute("SELECT lo_unlink($1)", oid)
        # lo_export leaves them readable by all, which PostgreSQL refuses of a key.
        (data_dir / PG_KEY).chmod(0o600)
        await conn.execute("ALTER SYSTEM SET ssl = on")
        for setting, name in (("ssl_cert_file", PG_CERT), ("ssl_key_file", PG_KEY)):
            path = _sql_literal(str(data_dir / name))
            await conn.execute(f"ALTER SYSTEM SET {setting} = {path}")
        await conn.execute("SELECT pg_reload_conf()")
        url = _postgres_url(postgres_admin_url, pki.ca)

        async def verified() -> bool:
            db = Database(url)
            try:
                async with db.reader.connect() as checked:
                    return bool(await checked.scalar(_SSL_IN_USE))
            except (OSError, asyncpg.PostgresError):
                return False  # the reload has not reached the postmaster yet
            finally:
                await db.dispose()

        await eventually(verified, bool, timeout=60)
        yield url
    finally:
        for setting in ("ssl", "ssl_cert_file", "ssl_key_file"):
            await conn.execute(f"ALTER SYSTEM RESET {setting}")
        await conn.execute("SELECT pg_reload_conf()")
        await conn.close()


@pytest.fixture(scope="module")
async def redis_tls(redis_url: str, pki: Pki) -> AsyncIterator[str]:
    """A ``rediss://`` URL of the test Redis (without its CA), which opens a TLS port for
    the module."""
    client = aioredis.Redis.from_url(redis_url)
    names = ("tls-port", "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-auth-clients")
    before = await client.config_get(*names)
    port = free_port()
    # One CONFIG SET applies them all at once, the files before the port opens.
    await client.execute_command(
        "CONFIG",
        "SET",
        "tls-cert-file",
        str(pki.cert),
        "tls-key-file",
        str(pki.key),
        "tls-ca-cert-file",
        str(pki.ca),
        "tls-auth-clients",
        "no",
        "tls-port",
        str(port),
    )
    try:
        host = urlsplit(redis_url).hostname
        yield f"rediss://{host}:{port}/0"
    finally:
        restore = [item for name in names for item in (name, before[name])]
        await client.execute_command("CONFIG", "SET", *restore)
        await client.aclose()


def _redis_url(rediss_url: str, ca: Path) -> str:
    return f"{rediss_url}?ssl_ca_certs={quote(str(ca))}"


async def test_a_booking_travels_over_tls_everywhere(
    tmp_path: Path, pki: Pki, postgres_tls: str, redis_tls: str, kafka_ssl: SecuredKafka
) -> None:
    env = {
        "BOLT_TLS_CERT_FILE": str(pki.cert),
        "BOLT_TLS_KEY_FILE": str(pki.key),
        "BOLT_KAFKA_SECURITY_PROTOCOL": "SSL",
        "BOLT_KAFKA_SSL_CA_LOCATION": str(kafka_ssl.security.ssl_ca_location),
    }
    async with running_stack(
        tmp_path,
        postgres_tls,
        _redis_url(redis_tls, pki.ca),
        kafka_ssl.bootstrap,
        apis=1,
        workers=1,
        env=env,
        tls_ca=pki.ca,
    ) as stack:
        api = Api(stack.apis[0])
        try:
            assert api.server.url.startswith("https://")
            event = await api.create_event([3])
            ticket_type = event["ticket_types"][0]["id"]
            watcher = await Socket.open(api.server)  # wss://
            await watcher.send(type="subscribe", event_id=event["id"])
            await watcher.wait_for(lambda frame: frame["type"] == "snapshot")
            buyer = await api.new_buyer()
            accepted = await api.book(buyer, ticket_type)
            assert accepted.status_code == 202, accepted.text
            booking = accepted.json()["booking_id"]
            final = await api.final_statuses([(buyer, booking)], timeout=120)
            assert final == {booking: "reserved"}
            # The sale's news reaches the page through Redis's pub/sub and the API, both TLS.
            await watcher.wait_for(
                lambda frame: frame["type"] == "inventory" and frame["remaining"] == 2, timeout=60
            )
            await watcher.close()

            # Every connection the two processes hold to their database is encrypted.
            rows = await stack.sql(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
            )
            assert rows and all(row["ssl"] for row in rows), rows

            stranger = ssl.create_default_context(cafile=pki.stranger)
            async with httpx.AsyncClient(verify=stranger) as client:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.get(f"{api.server.url}/health/live")
        finally:
            await api.close()


@pytest.mark.usefixtures("postgres_tls")
async def test_a_server_certificate_of_another_ca_is_refused(
    pki: Pki, postgres_admin_url: str, redis_tls: str, kafka_ssl: SecuredKafka
) -> None:
    database = Database(_postgres_url(postgres_admin_url, pki.stranger))
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            async with database.reader.connect():
                pass
    finally:
        await database.dispose()

    with pytest.raises(RedisConnectionError, match="certificate verify failed"):
        await connect_redis(_redis_url(redis_tls, pki.stranger))

    untrusting = KafkaSecurity(protocol="SSL", ssl_ca_location=str(pki.stranger))
    with pytest.raises(ConnectionError, match="certificate verify failed"):
        await kafka_reachable(kafka_ssl.bootstrap, timeout=15.0, security=untrusting)
