"""What is sent: the :class:`Request` record each hop of a call is given, and the checks and
encodings that build it (path, method, JSON body, redirects).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from storeflow import _serde, errors
from storeflow._config import FORBIDDEN_IN_VALUE, TOKEN
from storeflow._version import __version__

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECT_STATUSES",
    "USER_AGENT",
    "Request",
    "check_method",
    "check_path",
    "encode_body",
]

USER_AGENT: Final = f"storeflow/{__version__}"
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS: Final = 3


@attrs.frozen(kw_only=True)
class Request:
    """One request as it goes out, passed from the call down to each hop.

    ``path`` is the call's (without base URL or query: what errors, logs of the call and the
    limiter name); ``url`` and ``query`` are where this hop goes; ``log_path`` is what the debug
    log shows (path and query, the key masked). Its repr leaves out the headers and body, which
    carry the key or the caller's data: a traceback that shows frame locals shows this too.
    """

    method: str
    path: str
    url: str
    query: list[tuple[str, str]] = attrs.field(repr=False)
    body: bytes | None = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)
    log_path: str = attrs.field(repr=False)
    idempotent: bool

    def redirected(self, status: int, target: str) -> Request:
        """The request to send to ``target`` after a ``status`` redirect: a 303 (but for HEAD)
        and a 301/302 of a POST become a GET without a body, as browsers do."""
        method, body, headers = self.method, self.body, self.headers
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k != "Content-Type"}
        return attrs.evolve(
            self,
            method=method,
            body=body,
            headers=headers,
            url=target,
            query=[],
            log_path=urlsplit(target).path,
        )


def check_method(method: Any) -> str:
    """``method`` upper-cased, checked.

    Raises:
        ValidationError: not a method name (an RFC 9110 token).
    """
    if not isinstance(method, str) or not TOKEN.fullmatch(method):
        raise errors.ValidationError("method", f"must be an HTTP method name, got {method!r}")
    return method.upper()


def check_path(path: Any) -> str:
    """``path`` checked for :meth:`~storeflow._transport.Transport.request`.

    Raises:
        ValidationError: not a string, not starting with ``/``, holding CR/LF/NUL, or with a
            ``.``/``..`` segment (also percent-encoded), which would leave the base URL's prefix.
    """
    if not isinstance(path, str):
        raise errors.ValidationError("path", f"must be a string, got {type(path).__name__}")
    if not path.startswith("/"):
        raise errors.ValidationError("path", "must start with '/' (relative to base_url)")
    if FORBIDDEN_IN_VALUE.search(path):
        raise errors.ValidationError("path", "must not contain CR, LF or NUL")
    segments = urlsplit(path).path.split("/")
    if any(re.sub("%2e", ".", segment, flags=re.IGNORECASE) in (".", "..") for segment in segments):
        raise errors.ValidationError(
            "path", "must not contain '.' or '..' segments (it stays under base_url)"
        )
    return path


def encode_body(json: Any) -> bytes:
    """``json`` (plain data or a model) as the request body, written by ``_serde.dumps``.

    Raises:
        ValidationError: a value cannot be encoded; the error names the top-level field.
    """
    try:
        return _serde.dumps(json)
    except TypeError as exc:
        problem = str(exc)
    # Name the top-level field that cannot be encoded (``page``, not ``json``), if any: a
    # model's by its attribute name, which is the caller's argument name.
    fields: Iterable[tuple[Any, Any]] = ()
    if attrs.has(type(json)):
        fields = ((f.name, getattr(json, f.name)) for f in attrs.fields(type(json)))
    elif isinstance(json, Mapping):
        fields = json.items()
    for name, value in fields:
        try:
            _serde.dumps(value)
        except TypeError as exc:
            raise errors.ValidationError(str(name), f"cannot be sent: {exc}") from None
    raise errors.ValidationError("json", problem)
