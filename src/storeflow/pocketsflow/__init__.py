"""The Pocketsflow API: :class:`Pocketsflow`; its models are in ``storeflow.pocketsflow.models``."""

from storeflow.pocketsflow.client import Pocketsflow

__all__ = ["Pocketsflow"]
