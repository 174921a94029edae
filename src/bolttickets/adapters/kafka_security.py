"""How every Kafka client of the application authenticates to the brokers and encrypts.

One value, built by the composition root from the settings and handed to each client
(producer, consumer, dead-letter producer, topic admin, readiness probe), so they cannot
drift apart: a worker whose consumer can log in but whose dead-letter producer cannot
would fail only on the first undecodable booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True)
class KafkaSecurity:
    """librdkafka's security properties. The default is PLAINTEXT: no TLS, no login."""

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_ca_location: str | None = None
    """A PEM bundle of the CAs that signed the brokers' certificates. Unset: the system's
    trust store, which is what MSK's and Event Hubs' public CAs are in."""

    def __post_init__(self) -> None:
        # The settings validate this for operators; this guards any other caller, so a
        # client is never built that would fail only when it first connects.
        login = (self.sasl_mechanism, self.sasl_username, self.sasl_password)
        if self.uses_sasl and not all(login):
            raise ValueError(f"{self.protocol} needs a SASL mechanism, username and password.")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def client_config(self) -> dict[str, str]:
        """The librdkafka properties, to merge into any client's configuration."""
        config: dict[str, str] = {"security.protocol": self.protocol}
        if self.uses_sasl:
            assert self.sasl_mechanism and self.sasl_username and self.sasl_password
            config |= {
                "sasl.mechanism": self.sasl_mechanism,
                "sasl.username": self.sasl_username,
                "sasl.password": self.sasl_password,
            }
        if self.uses_tls and self.ssl_ca_location is not None:
            config["ssl.ca.location"] = self.ssl_ca_location
        return config


PLAINTEXT = KafkaSecurity()
