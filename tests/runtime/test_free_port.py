"""The ports a test stack's services listen on: never one an outgoing connection could be given."""

from __future__ import annotations

from pathlib import Path

from services.runtime.embedded_broker import free_port


def ephemeral_ports() -> range:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


def test_a_free_port_is_outside_the_range_outgoing_connections_are_given() -> None:
    """The kernel gives its ephemeral ports to outgoing connections too: one of those could be taken between
    the choice and the server's bind (a service exited with "address already in use")."""
    ports = {free_port() for _ in range(100)}
    assert not ports & set(ephemeral_ports())
