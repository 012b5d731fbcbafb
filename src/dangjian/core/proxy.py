"""Which peer may speak for the client: the reverse proxy named in DANGJIAN_TRUSTED_PROXY, and nobody else.

`dangjian serve` wraps the application in `behind_proxy`. A request from a trusted proxy goes through waitress's own
proxy-header code, which puts the client's address in REMOTE_ADDR (the last X-Forwarded-For entry: the one the
proxy added, so a client cannot push a made-up address in front), the scheme in wsgi.url_scheme (X-Forwarded-Proto)
and the public host name in HTTP_HOST (X-Forwarded-Host). A request from anyone else has those headers removed
before Django sees them. So the application never reads a forwarded header itself: REMOTE_ADDR is the client's
address for the lockout, the rate limits and the audit log alike, and `request.is_secure()` is true only for HTTPS
that a trusted proxy vouched for (CSRF origin check, HSTS).

waitress's own `trusted_proxy` option takes one address; this takes several, and networks, with `1` for the local
host (a proxy on the same machine reaches the server as 127.0.0.1 or ::1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

LOCAL_HOST = ("127.0.0.1", "::1")
# The headers a proxy sets (see the nginx snippet in docs/security.md); "Forwarded" and the rest are cleared.
FORWARDED_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
# Proxies between the client and the server: one. The client is the address the proxy itself saw.
PROXY_COUNT = 1

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(raw: str) -> tuple[str, ...]:
    """DANGJIAN_TRUSTED_PROXY: empty or `0` for none, `1` for the local host, else addresses or networks
    separated by commas or spaces (`10.0.0.5`, `10.0.0.0/24`, `::1`). Returned as normalized network strings."""
    value = raw.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return ()
    if value in ("1", "true", "yes", "on"):
        return tuple(str(ipaddress.ip_network(address)) for address in LOCAL_HOST)
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"DANGJIAN_TRUSTED_PROXY: {part!r} is not an IP address or network (use 1 for the local host)"
            ) from exc
    return tuple(networks)


def is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # a unix socket or anything else that is not an address: never a trusted proxy
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket reports 127.0.0.1 as ::ffff:127.0.0.1
    return any(ip in network for network in networks)


def behind_proxy(app: Callable, proxies: Iterable[str]) -> Callable:
    """The WSGI application `dangjian serve` runs: forwarded headers honoured from `proxies`, removed for all others."""
    from waitress.proxy_headers import proxy_headers_middleware

    networks = [ipaddress.ip_network(p) for p in proxies]
    from_proxy = proxy_headers_middleware(
        app, trusted_proxy="*", trusted_proxy_count=PROXY_COUNT, trusted_proxy_headers=set(FORWARDED_HEADERS)
    )
    from_anyone_else = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)

    def application(environ, start_response):
        if networks and is_trusted(environ.get("REMOTE_ADDR", ""), networks):
            return from_proxy(environ, start_response)
        return from_anyone_else(environ, start_response)

    return application


def waitress_options(*, host: str, port: int, threads: int) -> dict:
    """Keyword arguments for waitress.serve. Its own proxy handling is off: `behind_proxy` does it per peer
    (left on, waitress would clear the forwarded headers of every peer before `behind_proxy` could read them)."""
    return {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": "dangjian",
        "clear_untrusted_proxy_headers": False,
    }
