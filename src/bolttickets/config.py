"""All configuration, from ``BOLT_*`` environment variables, in one settings object."""

from __future__ import annotations

import hashlib
import hmac
import re
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bolttickets.services.ports import Rate

DEFAULT_JWT_SECRET = "bolttickets-development-only-secret-change-me"

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _rate(value: object) -> object:
    """``"10/minute"`` (also ``second``, ``hour``, ``day``, and ``"100/10minutes"``) is a
    Rate; ``"off"`` is None: no limit."""
    if not isinstance(value, str):
        return value
    if value.strip().lower() == "off":
        return None
    found = _RATE.match(value.lower())
    rate = found and Rate(int(found[1]), int(found[2] or 1) * _SECONDS[found[3]])
    # At least a microsecond between requests: the limiters count in microseconds.
    if not rate or rate.limit == 0 or rate.interval_us == 0:
        raise ValueError(
            f"{value!r} is not a rate: write it as 10/minute, 100/10minutes or off "
            "(units: second, minute, hour, day)"
        )
    return rate


def _networks(value: object) -> object:
    """A comma-separated list of addresses and CIDRs."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


RateSetting = Annotated[Rate | None, NoDecode, BeforeValidator(_rate)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOLT_", extra="ignore")

    env: Literal["dev", "test", "production"] = "production"
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    jwt_ttl_seconds: int = Field(default=900, ge=60)
    """Lifetime of an access token; also how long a revoked session's id is remembered."""
    refresh_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    """How long a session lives without a refresh; each refresh extends it by as much."""
    cookie_secure: bool | None = None
    """The session cookies' ``Secure`` flag (sent over HTTPS only). Unset: on, except with
    BOLT_ENV=dev, whose page is served over plain http://127.0.0.1."""
    trusted_origins: list[str] = []
    """Origins (``https://tickets.example``) besides the server's own from which a browser may
    send cookie-authenticated writes and open the realtime socket."""
    tls_cert_file: FilePath | None = None
    """PEM certificate (chain) the API serves HTTPS with; unset: plain HTTP, for a proxy or
    an ingress that terminates TLS in front of it."""
    tls_key_file: FilePath | None = None
    """The private key of BOLT_TLS_CERT_FILE (PEM, unencrypted)."""

    api_key_secret: SecretStr | None = None
    """The key of the HMAC under which API keys are stored. Unset: derived from
    BOLT_JWT_SECRET, so changing that secret invalidates every API key too."""
    admission_pass_secret: SecretStr | None = None
    """The HS256 key of waiting-room admission passes. Unset: derived from BOLT_JWT_SECRET
    (an HMAC of it), never the same key as the access tokens'."""
    waiting_room_tick_ms: int = Field(default=500, ge=50, le=10_000)
    """How often the process holding the waiting-room lease admits buyers and broadcasts
    each room's "now serving" (a sell-out is broadcast at once, not at the next tick)."""
    waiting_list_offer_ttl_seconds: int = Field(default=600, ge=1, le=86_400)
    """How long a waiting-list offer (and its pass) lasts before it passes to the next in
    line."""
    api_key_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    """How long a process trusts an API key it verified: the longest a revoked key still
    works on another process."""

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    """Largest request body accepted; a larger one is refused (413) before it is read whole."""
    server_limit_concurrency: int | None = Field(default=20_000, ge=1)
    """Connections and requests in flight one API process accepts before answering 503; a
    WebSocket subscriber counts as one (the fan-out benchmark holds 10,000 per process)."""
    server_timeout_keep_alive: int = Field(default=75, ge=1)
    """Seconds an idle keep-alive connection stays open. Longer than a load balancer's idle
    timeout (60 s is common): otherwise the server closes a pooled connection just as the
    client reuses it."""
    server_h11_max_incomplete_event_size: int = Field(default=16 * 1024, ge=1024)
    """Largest request line plus headers, in bytes, with the h11 HTTP implementation."""
    ws_max_message_bytes: int = Field(default=4096, ge=256)
    """Largest realtime message a client may send; a larger one closes the socket (1009)."""
    ws_outbox_bytes: int = Field(default=256 * 1024, ge=4096)
    """Bytes of frames one realtime connection may have waiting; a reader that falls further
    behind is disconnected (1013) and resubscribes to a fresh snapshot."""

    database_url: str = "sqlite+aiosqlite:///./var/bolttickets.db"
    """PostgreSQL's URL takes libpq's TLS parameters, as asyncpg reads them:
    ``?sslmode=verify-full&sslrootcert=/path/ca.pem``."""
    redis_url: str | None = None
    """``rediss://`` for TLS, with the CA in the URL as redis-py reads it:
    ``?ssl_ca_certs=/path/ca.pem`` (unset: the system's); the certificate and its host name
    are verified."""
    redis_cluster: bool = False
    """``BOLT_REDIS_URL`` names one node of a Redis Cluster, and the client finds the others
    (docs/operations.md, "Redis Cluster")."""
    redis_sub_stocks: int = Field(default=1, ge=1, le=4)
    """Sub-stocks each ticket type's stock is split into, on different slots of the Redis
    Cluster, so one sale spreads over its nodes; more than 1 needs BOLT_REDIS_CLUSTER
    (docs/operations.md, "Sub-stocks"). At most 4: a ticket type's version is the sum of
    its sub-stocks' microsecond clock versions, and the web page reads it as a JavaScript
    number, exact only below 2**53."""
    redis_prefix: str = Field(default="bolt", min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    """Namespace of every Redis key and channel, so several deployments (or test runs) can
    share one Redis without seeing each other's stock and holds."""
    kafka_bootstrap: str | None = None
    kafka_topic: str = "ticket-bookings"
    kafka_partitions: int = Field(default=6, ge=1)
    consumer_group: str = "booking-workers"
    kafka_delivery_timeout_ms: int = Field(default=5000, ge=100)
    """How long a booking waits for Kafka's acknowledgement before the API answers 503."""
    kafka_replication_factor: int | None = Field(default=None, ge=1)
    """Replicas of each topic the application creates (existing topics are left as they
    are). Unset: 3 with BOLT_ENV=production, 1 with dev or test, which run one broker."""
    kafka_min_insync_replicas: int | None = Field(default=None, ge=1)
    """Replicas that must have a booking before Kafka acknowledges it (with acks=all), set
    on the topics the application creates. Unset: one fewer than the replication factor
    (2 of 3: one broker may be down without the sale stopping), and at least 1."""
    kafka_stall_after_seconds: float = Field(default=30.0, gt=0)
    """How long a worker's partitions may have records waiting with none consumed before it
    reports itself stalled and replaces its Kafka consumer."""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """How every Kafka client connects: SASL_SSL for MSK (SCRAM) and Event Hubs (PLAIN).
    PLAINTEXT is allowed in production too, for a broker on a private network."""
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_location: Path | None = None
    """PEM bundle of the CAs that signed the brokers' certificates; unset: the system's."""

    stripe_api_key: SecretStr | None = None
    """Stripe's secret key (``sk_test_...`` in test mode); set, Stripe takes payments."""
    stripe_webhook_secret: SecretStr | None = None
    """The signing secret (``whsec_...``) of the webhook endpoint Stripe sends events to;
    needed with BOLT_STRIPE_API_KEY."""
    stripe_publishable_key: str | None = None
    """``pk_test_...``: given to the buyer's browser with each Stripe payment, for Stripe.js."""
    stripe_api_base: str | None = Field(default=None, pattern=r"^https?://")
    """Where Stripe's API is; unset: Stripe's own. The tests point it at stripe-mock."""

    admin_email: str | None = None
    admin_password: SecretStr | None = None
    demo: bool = False
    static_dir: Path | None = None

    worker_batch_size: int = Field(default=500, ge=1, le=10_000)
    worker_linger_ms: int = Field(default=0, ge=0, le=60_000)
    """How long the worker waits to fill a batch: throughput against confirmation latency."""
    sweep_after_seconds: float = Field(default=5.0, gt=0)
    reconcile_every_seconds: float = Field(default=5.0, gt=0)
    expire_every_seconds: float = Field(default=2.0, gt=0)
    """How often the worker looks for reservations past their deadline to pay."""
    realtime_window_ms: int = Field(default=100, ge=10)

    password_hashing: Literal["argon2id", "argon2id-cheapest"] = "argon2id"
    """The cheapest parameters exist for test suites that register hundreds of users."""

    rate_limits_enabled: bool = True
    """Off: no rate limit at all (a benchmark or a test suite driving thousands of buyers
    from one address); each limit below can also be turned off alone with ``off``."""
    rate_limit_login_per_ip: RateSetting = Rate(10, 60)
    """Logins from one client address, refused before any password is hashed."""
    rate_limit_login_per_account: RateSetting = Rate(20, 60)
    """Logins to one account from any address. At least as loose as the per-address
    limit, so one address alone can never lock an account's owner out."""
    rate_limit_register_per_ip: RateSetting = Rate(10, 3600)
    rate_limit_bookings_per_ip: RateSetting = Rate(300, 60)
    rate_limit_bookings_per_user: RateSetting = Rate(20, 60)
    rate_limit_reads_per_ip: RateSetting = Rate(600, 60)
    rate_limit_reads_per_user: RateSetting = Rate(300, 60)
    trusted_proxies: Annotated[
        list[IPv4Network | IPv6Network], NoDecode, BeforeValidator(_networks)
    ] = []
    """Addresses or CIDRs of the reverse proxies in front of the API: from them, the
    client's address is read from ``X-Forwarded-For``, walking it from the right over
    trusted hops only. From anyone else the header is ignored."""

    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Port of the API's internal listener: ``/metrics`` and the readiness report naming
    what fails (the public port answers its status alone). Unset: no internal listener; the
    worker's own port is ``bolttickets worker --port``."""
    metrics_host: str = "127.0.0.1"
    """Address of the internal listener: ``0.0.0.0`` in a container, reached by Prometheus
    and kept off the public network (Service, NetworkPolicy)."""
    api_processes: int = Field(default=1, ge=1, le=1024)
    """API processes ``bolttickets serve`` runs on its one port (``--processes``), the
    kernel spreading connections over them; process ``i`` serves its internal port on
    ``BOLT_METRICS_PORT + i``. More than one needs the full stack."""

    log_level: str = "INFO"
    log_json: bool | None = None
    """One JSON object per log line. Unset: JSON with BOLT_ENV=production, else readable."""

    otlp_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    """Base URL of an OTLP/HTTP collector (Jaeger, an OpenTelemetry Collector) that receives
    the traces; tracing is off, and costs nothing, while it is unset."""
    trace_sample_ratio: float = Field(default=0.01, ge=0.0, le=1.0)
    """The share of bookings traced (a request that arrives with a sampled trace context is
    traced whatever the ratio)."""

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env != "dev" and self.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET:
            raise ValueError(
                "BOLT_JWT_SECRET is the built-in default; set a secret of your own "
                "(or BOLT_ENV=dev for local development)."
            )
        if self.env == "production" and self.demo:
            # The demo seeds accounts whose passwords the README prints.
            raise ValueError(
                "BOLT_DEMO is refused in production: it seeds accounts with published passwords."
            )
        if self.env == "production" and self.password_hashing != "argon2id":
            raise ValueError("BOLT_PASSWORD_HASHING=argon2id-cheapest is refused in production.")
        if len(self.jwt_secret.get_secret_value()) < 32:
            # HS256 wants a key at least as long as its hash (RFC 7518, section 3.2).
            raise ValueError("BOLT_JWT_SECRET must be at least 32 characters long.")
        return self

    @model_validator(mode="after")
    def _account_limit_looser_than_address_limit(self) -> Settings:
        per_ip, per_account = self.rate_limit_login_per_ip, self.rate_limit_login_per_account
        if per_ip is None or per_account is None:
            return self
        # Both burst and refill: otherwise one address could drain the account's allowance
        # and lock its owner out everywhere.
        if per_account.limit < per_ip.limit or per_account.interval_us > per_ip.interval_us:
            raise ValueError(
                "BOLT_RATE_LIMIT_LOGIN_PER_ACCOUNT must allow at least as many logins, as "
                "often, as BOLT_RATE_LIMIT_LOGIN_PER_IP: one address must never be able to "
                "lock an account's owner out."
            )
        return self

    @model_validator(mode="after")
    def _sub_stocks_on_a_cluster(self) -> Settings:
        # On one Redis every sub-stock lies on the same server: splitting would only add
        # round trips.
        if self.redis_sub_stocks > 1 and not self.redis_cluster:
            raise ValueError(
                f"BOLT_REDIS_SUB_STOCKS={self.redis_sub_stocks} needs a Redis Cluster "
                "(BOLT_REDIS_CLUSTER=true): on one Redis, use 1."
            )
        return self

    @model_validator(mode="after")
    def _one_mode_or_the_other(self) -> Settings:
        # The in-memory stock cannot be shared between processes, and Kafka means several
        # processes: the full stack is all three real services or none.
        if self.kafka_bootstrap is None:
            if self.redis_url is not None:
                raise ValueError("BOLT_REDIS_URL is set without BOLT_KAFKA_BOOTSTRAP: set both.")
            return self
        if self.redis_url is None:
            raise ValueError("BOLT_KAFKA_BOOTSTRAP is set without BOLT_REDIS_URL: set both.")
        if self.database_url.startswith("sqlite"):
            raise ValueError("The full stack needs PostgreSQL: set BOLT_DATABASE_URL.")
        return self

    @model_validator(mode="after")
    def _processes_share_the_full_stack_only(self) -> Settings:
        if self.api_processes > 1 and self.embedded:
            # Each process would sell from its own in-memory stock and run its own worker.
            raise ValueError(
                "Several API processes need the full stack (BOLT_KAFKA_BOOTSTRAP, "
                "BOLT_REDIS_URL, BOLT_DATABASE_URL on PostgreSQL): the embedded default's "
                "stock, queue and worker live inside one process."
            )
        if self.metrics_port is not None and self.metrics_port + self.api_processes > 65536:
            raise ValueError("BOLT_METRICS_PORT + one port per API process exceeds 65535.")
        return self

    @model_validator(mode="after")
    def _stripe_with_its_webhook_secret(self) -> Settings:
        # Without the secret no webhook verifies: payments would be taken and never seen.
        if self.stripe_api_key is not None and self.stripe_webhook_secret is None:
            raise ValueError("BOLT_STRIPE_API_KEY needs BOLT_STRIPE_WEBHOOK_SECRET: set both.")
        return self

    @model_validator(mode="after")
    def _certificate_with_its_key(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("BOLT_TLS_CERT_FILE and BOLT_TLS_KEY_FILE go together: set both.")
        return self

    @model_validator(mode="after")
    def _complete_kafka_login(self) -> Settings:
        if not self.kafka_security_protocol.startswith("SASL_"):
            return self
        password = self.kafka_sasl_password
        missing = [
            f"BOLT_KAFKA_SASL_{name.upper()}"
            for name, value in (
                ("mechanism", self.kafka_sasl_mechanism),
                ("username", self.kafka_sasl_username),
                ("password", password and password.get_secret_value()),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"BOLT_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                f"{', '.join(missing)}."
            )
        return self

    @model_validator(mode="after")
    def _satisfiable_replication(self) -> Settings:
        if self.topic_min_insync_replicas > self.topic_replication_factor:
            # Kafka would refuse every acks=all write to such a topic.
            raise ValueError(
                f"BOLT_KAFKA_MIN_INSYNC_REPLICAS ({self.topic_min_insync_replicas}) exceeds "
                f"the replication factor ({self.topic_replication_factor})."
            )
        return self

    @property
    def topic_replication_factor(self) -> int:
        if self.kafka_replication_factor is not None:
            return self.kafka_replication_factor
        return 3 if self.env == "production" else 1

    @property
    def topic_min_insync_replicas(self) -> int:
        if self.kafka_min_insync_replicas is not None:
            return self.kafka_min_insync_replicas
        return max(1, self.topic_replication_factor - 1)

    @property
    def api_key_hash_secret(self) -> bytes:
        if self.api_key_secret is not None:
            return self.api_key_secret.get_secret_value().encode()
        jwt_secret = self.jwt_secret.get_secret_value().encode()
        return hmac.new(jwt_secret, b"bolttickets api keys", hashlib.sha256).digest()

    @property
    def test_payments(self) -> bool:
        """The built-in test provider, whose test cards pay without money, is never offered
        in production."""
        return self.env != "production"

    @property
    def test_payments_secret(self) -> str:
        """What the built-in provider signs its webhooks and payment ids with: derived from
        BOLT_JWT_SECRET, so every process of a deployment shares it."""
        jwt_secret = self.jwt_secret.get_secret_value().encode()
        return hmac.new(jwt_secret, b"bolttickets test payments", hashlib.sha256).hexdigest()

    @property
    def admission_pass_key(self) -> bytes:
        if self.admission_pass_secret is not None:
            return self.admission_pass_secret.get_secret_value().encode()
        jwt_secret = self.jwt_secret.get_secret_value().encode()
        return hmac.new(jwt_secret, b"bolttickets admission passes", hashlib.sha256).digest()

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.env != "dev"

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.env == "production"

    @property
    def embedded(self) -> bool:
        """No Kafka configured: the queue and the worker live inside the server process."""
        return self.kafka_bootstrap is None
