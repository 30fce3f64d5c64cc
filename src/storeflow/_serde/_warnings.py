"""The one WARNING per model field per process for a value liberal decoding could not read."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from storeflow._serde._mismatch import _Mismatch

if TYPE_CHECKING:
    from storeflow._serde._decode import _Field


logger: Final = logging.getLogger("storeflow")

_WARNED: set[tuple[str, str]] = set()


def _warn_unreadable(cls: type, f: _Field, error: Exception) -> None:
    """Log that ``cls.f`` could not be read: once per model field per process."""
    key = (f"{cls.__module__}.{cls.__qualname__}", f.name)
    if key in _WARNED:
        return
    _WARNED.add(key)
    # The kind of value, not the value: a response can hold personal data.
    what = (
        f"expected {error.expected}, got a {error.kind}"
        if isinstance(error, _Mismatch)
        else type(error).__name__
    )
    logger.warning(
        "%s.%s could not be read (%s): the attribute is None and the raw value is kept in "
        ".extra[%r]; logged once per field, pass strict=True to raise instead",
        cls.__name__,
        f.name,
        what,
        f.wire,
    )
