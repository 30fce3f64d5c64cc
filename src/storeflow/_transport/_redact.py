"""Keeping the API key out of what a server echoes: the masked form, and every encoding of it.

A server may quote the request's headers back (in a body, a header, an error), raw or encoded;
:func:`key_pattern` matches each form, and :func:`mask_key` is what replaces it.
"""

from __future__ import annotations

import html
import json as stdjson
import re
from typing import Any, Final
from urllib.parse import quote, quote_plus

import orjson

__all__ = ["Masked", "key_anchor", "key_pattern", "mask_key"]

# Characters that no form of `_key_forms` escapes: a run of them in the key is in every form.
_UNESCAPED_RUN: Final = re.compile(r"[A-Za-z0-9_.~-]+")


class Masked(str):
    """A string whose ``repr`` is a masked form, and which refuses to be pickled.

    The ``Authorization`` header value is held as one, so a ``repr`` of the headers (a frame's
    locals in a traceback, an exception from a library) shows ``'Bearer …1234'``, never the key.
    """

    _shown: str

    def __new__(cls, value: str, shown: str) -> Masked:
        """A string equal to ``value`` that shows as ``shown``."""
        self = super().__new__(cls, value)
        self._shown = shown
        return self

    def __repr__(self) -> str:
        return repr(self._shown)

    def __reduce__(self) -> Any:
        raise TypeError("a secret cannot be pickled")


def _key_forms(key: str) -> list[str]:
    """Every form in which a server may echo ``key``: raw, JSON-escaped (with and without
    ASCII escapes and escaped slashes), percent-encoded (plain and form style), HTML-escaped."""
    forms = {
        key,
        *_json_forms(key),
        quote(key, safe=""),
        quote(key),
        quote_plus(key),
        html.escape(key),
    }
    forms |= {form.replace("/", "\\/") for form in list(forms)}
    # Each form again inside a JSON string (a JSON body quoting an escaped or encoded echo).
    forms |= {json_form for form in list(forms) for json_form in _json_forms(form)}
    return sorted(forms, key=len, reverse=True)


def _json_forms(text: str) -> set[str]:
    """``text`` as the inside of a JSON string: escaped the way orjson and ``json`` do."""
    return {orjson.dumps(text).decode()[1:-1], stdjson.dumps(text)[1:-1]}


def key_pattern(key: str | None) -> re.Pattern[str] | None:
    """A pattern matching ``key`` in every form a server may echo it in (any case of
    percent-encoding hex), longest first; ``None`` without a key."""
    if not key:
        return None
    return re.compile("|".join(map(re.escape, _key_forms(key))), re.IGNORECASE)


def key_anchor(key: str | None) -> str | None:
    """The key's longest run of characters that no encoding escapes, lowercased, when long
    enough to rule a text out: every form of the key holds it, in some letter case."""
    anchor = max(_UNESCAPED_RUN.findall(key or ""), key=len, default="")
    return anchor.lower() if len(anchor) >= 8 else None


def mask_key(key: str | None, prefix: re.Pattern[str] | None = None) -> str | None:
    """A form of ``key`` safe to show: the part ``prefix`` matches at its start (e.g.
    ``pk_test_``, the API's mode prefix) and its last 4 characters.

    Short keys (under 16 characters after the prefix), and keys whose last 4 are not ASCII
    letters and digits, show nothing but ``…``: the mask must read the same in every encoding it
    lands in (JSON, CSV, a URL).
    """
    if key is None:
        return None
    match = prefix.match(key) if prefix is not None else None
    shown = match.group(0) if match else ""
    tail = key[-4:] if len(key) - len(shown) >= 16 else ""
    if not (tail.isascii() and tail.isalnum()):
        tail = ""
    return f"{shown}…{tail}"
