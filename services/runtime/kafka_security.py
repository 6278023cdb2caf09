"""How every Kafka client a service makes (the relay's producer, the consumer group) reaches a broker that wants
TLS and SASL: Strimzi's TLS listener with SCRAM-SHA-512 users.

aiokafka takes the TLS settings as an `ssl.SSLContext`, made here once per client from the CA file and the
optional client certificate.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from services.runtime.settings import KafkaSettings

__all__ = ["client_security"]


def client_security(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for an aiokafka producer, consumer or admin client."""
    options: dict[str, Any] = {"security_protocol": settings.security_protocol}
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl_context(settings)
    if settings.security_protocol.startswith("SASL_"):
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_password.get_secret_value(),
        }
    return options


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext:
    """Verifies the broker against the CA file (the system's CAs without one); presents the client
    certificate when one is set."""
    return create_ssl_context(
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
        certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
        keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
        password=settings.ssl_key_password.get_secret_value() or None,
    )
