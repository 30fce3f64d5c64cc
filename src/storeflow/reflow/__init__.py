"""The Reflow API: :class:`Reflow`; its models are in ``storeflow.reflow.models``."""

from storeflow.reflow.client import Reflow

__all__ = ["Reflow"]
