"""Transitional: the serde module, now inside its package."""

from storeflow._serde._decode import *  # noqa: F403
from storeflow._serde._decode import _WARNED as _WARNED
from storeflow._serde._decode import __all__ as __all__
from storeflow._serde._decode import _decimal as _decimal
