"""The client's address behind a reverse proxy, trusted only from the proxies we run.

``X-Forwarded-For`` is whatever the client wrote, plus what each proxy
appended. It says who the client is only when the request came from a
proxy we trust (``COMPTOIR_TRUSTED_PROXIES``: addresses or CIDRs, comma
separated): then werkzeug's ``ProxyFix`` takes the last address that proxy
appended (and the scheme it saw from ``X-Forwarded-Proto``). From any other
peer the headers are ignored and the client is the peer itself, so nobody
can pick the address sign-in throttling counts them under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str] | None) -> list[Network]:
    """``"10.0.0.1, 192.168.0.0/24"`` (or a list) -> networks; a wrong entry raises ``ValueError``."""
    if not value:
        return []
    if isinstance(value, int | float):  # a bare number read from the environment as JSON
        value = str(value)
    items = value.split(",") if isinstance(value, str) else list(value)
    networks: list[Network] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"COMPTOIR_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network"
            ) from exc
    return networks


def is_trusted(address: str | None, networks: list[Network]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


class TrustedProxyFix:
    """WSGI middleware: ``ProxyFix`` (one proxy hop) for requests from trusted proxies only."""

    def __init__(self, app: Callable[..., Any], trusted: str | Iterable[str] | None) -> None:
        self.app = app
        self.networks = parse_networks(trusted)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.networks and is_trusted(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def trust_proxies(app: Any) -> None:
    """Wrap a Flask app's WSGI callable according to its ``TRUSTED_PROXIES`` setting."""
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config.get("TRUSTED_PROXIES"))
