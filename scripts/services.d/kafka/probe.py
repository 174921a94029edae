"""Readiness probe for the local Kafka broker (used by scripts/services).

Asks the broker for its metadata through confluent-kafka, the project's own client, and
succeeds only when it answered and every partition of every topic has a leader (right
after a restart some briefly have none). Exit status: 0 = ready, 1 = not (yet), 2 = usage.

Usage: .venv/bin/python probe.py HOST:PORT [TIMEOUT_SECONDS]
"""

import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient


def main(bootstrap: str, timeout: float) -> int:
    admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "bolttickets-probe"})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        print(f"no answer from {bootstrap}: {exc}", file=sys.stderr)
        return 1
    leaderless = [
        f"{topic.topic}/{partition.id}"
        for topic in metadata.topics.values()
        for partition in topic.partitions.values()
        if partition.leader < 0
    ]
    if leaderless:
        print(f"partitions without a leader: {' '.join(leaderless)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 3.0))
