"""Where requests may go: the base URL's checks, origins, and which hosts are this machine."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from storeflow import errors

__all__ = ["Origin", "check_base_url", "endpoint", "is_loopback", "origin"]

Origin = tuple[str, str, int | None]
"""A URL's scheme, host (lower case) and port (the scheme's default when absent)."""


def origin(url: str) -> Origin:
    """The origin of ``url``: redirects are followed only within the base URL's."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host name, lower case) is this machine: ``localhost`` itself or
    a loopback address (``127.0.0.0/8``, ``::1``, ``::ffff:127.x.y.z``).

    A name under ``.localhost`` does not count: whether it resolves to this machine is up to
    the resolver, and a key must not be sent in clear text on a guess.
    """
    if host.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def endpoint(where: Origin) -> str:
    """The rate-limit key of an origin: every spelling of this machine is one host."""
    scheme, host, port = where
    return f"{scheme}://{'loopback' if is_loopback(host) else host}:{port}"


def check_base_url(base_url: Any, *, with_key: bool) -> str:
    """``base_url`` without its trailing slash, checked.

    Raises:
        ValidationError: not a string, not an http(s) URL with a host (or a valid port), with a
            query or fragment, or plain http to a host that is not this machine while a key
            (``with_key``) would be sent over it.
    """
    if not isinstance(base_url, str):
        raise errors.ValidationError("base_url", f"must be a string, got {type(base_url).__name__}")
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise errors.ValidationError("base_url", f"is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.ValidationError("base_url", "must be an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise errors.ValidationError("base_url", "must not have a query or fragment")
    if with_key and parts.scheme == "http" and not is_loopback(parts.hostname):
        raise errors.ValidationError(
            "base_url",
            "must use https: the API key is only sent over plain http to localhost or a "
            "loopback address",
        )
    return base_url.rstrip("/")
