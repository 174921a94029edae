"""What a full-stack run leaves in the shared services, removed after it.

The services outlive every run, and Redis runs with ``noeviction``: a run's stock, buyers
and idempotency fingerprints (a few MB for a full sale) and its Kafka topics would pile up.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bolttickets.adapters.redis_stock import connect_redis

NAMESPACE = "bolt"
"""The stock store's default, which the API the bench starts keeps."""


async def delete_matching(client: Any, pattern: str) -> None:
    batch: list[bytes] = []
    async for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await client.unlink(*batch)
            batch.clear()
    if batch:
        await client.unlink(*batch)


async def forget_ticket_types(redis_url: str, ids: list[uuid.UUID]) -> None:
    """Every key the API's stock store wrote for these ticket types, by the layout its
    module documents (``bolttickets.adapters.redis_stock``, default namespace)."""
    if not ids:
        return
    client = await connect_redis(redis_url, max_connections=2)
    try:
        for tt in ids:
            await delete_matching(client, f"{NAMESPACE}:{{{tt}}}:*")
        await client.srem(f"{NAMESPACE}:ticket-types", *(str(tt) for tt in ids))
    finally:
        await client.aclose()


async def delete_topics(bootstrap: str, topics: list[str], timeout: float = 15.0) -> list[str]:
    """Delete the run's topics; returns what could not be deleted (left for the operator)."""
    from confluent_kafka.admin import AdminClient

    def delete() -> list[str]:
        # Kept in a name until the futures resolve: a collected client cancels them.
        admin = AdminClient({"bootstrap.servers": bootstrap})
        futures = admin.delete_topics(topics, operation_timeout=timeout)
        failed = []
        for topic, future in futures.items():
            try:
                future.result(timeout)
            except Exception as exc:
                failed.append(f"{topic}: {exc}")
        return failed

    return await asyncio.to_thread(delete)
