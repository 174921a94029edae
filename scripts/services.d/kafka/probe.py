"""Readiness probe for the local Kafka broker (used by scripts/services).

Sends one real Metadata request (API key 3, version 4 -- the oldest version
Kafka 4.x still accepts, and a non-flexible one, so stdlib struct is enough)
for all topics and prints one line per non-internal topic:

    <topic> <partition count> <partitions without a leader>

Exit status: 0 = the broker answered, 1 = it did not (refused, timeout,
error), 2 = usage.  Usage: probe.py HOST:PORT [TIMEOUT_SECONDS]
"""

import socket
import struct
import sys


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self):
        length = self.take(">h")
        if length < 0:
            return None
        value = self.data[self.pos : self.pos + length].decode()
        self.pos += length
        return value

    def int32_array(self):
        return [self.take(">i") for _ in range(max(self.take(">i"), 0))]


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def metadata(host: str, port: int, timeout: float):
    client_id = b"bolt-services-probe"
    correlation_id = 7
    # request header v1 + Metadata v4 body (topics = null: all, no auto-create)
    payload = struct.pack(">hhih", 3, 4, correlation_id, len(client_id)) + client_id
    payload += struct.pack(">ib", -1, 0)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", recv_exact(sock, 4))[0]
        r = Reader(recv_exact(sock, size))
    if r.take(">i") != correlation_id:
        raise ValueError("unexpected correlation id")
    r.take(">i")  # throttle_time_ms
    brokers = []
    for _ in range(r.take(">i")):
        node_id, host_, port_ = r.take(">i"), r.string(), r.take(">i")
        r.string()  # rack
        brokers.append((node_id, host_, port_))
    r.string()  # cluster_id
    r.take(">i")  # controller_id
    topics = []
    for _ in range(r.take(">i")):
        error, name, internal = r.take(">h"), r.string(), r.take(">b")
        count = leaderless = 0
        for _ in range(r.take(">i")):
            r.take(">h")  # partition error code
            r.take(">i")  # partition index
            leader = r.take(">i")
            r.int32_array()  # replicas
            r.int32_array()  # isr
            count += 1
            leaderless += leader < 0
        if not internal:
            topics.append((name, error, count, leaderless))
    return brokers, topics


def main() -> int:
    if len(sys.argv) not in (2, 3) or ":" not in sys.argv[1]:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = sys.argv[1].rsplit(":", 1)
    timeout = float(sys.argv[2]) if len(sys.argv) == 3 else 3.0
    try:
        brokers, topics = metadata(host, int(port), timeout)
    except (OSError, ValueError, struct.error) as exc:
        print(f"kafka probe: {exc}", file=sys.stderr)
        return 1
    if not brokers:
        print("kafka probe: metadata lists no broker yet", file=sys.stderr)
        return 1
    for name, error, count, leaderless in topics:
        if error:
            leaderless = max(leaderless, 1)
        print(f"{name} {count} {leaderless}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
