"""Transitional: the transport module, now inside its package."""

from storeflow._transport._transport import *  # noqa: F403
from storeflow._transport._transport import __all__ as __all__
