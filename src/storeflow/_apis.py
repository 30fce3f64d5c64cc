"""The names of the APIs storeflow speaks, written once for every part that names them.

The export (``storeflow export <api>``), the webhook helpers and the sandbox all take an API by
name; they type it as :data:`ApiName` and list the names from :data:`API_NAMES`.
"""

from typing import Final, Literal, TypeAlias

__all__ = ["API_NAMES", "ApiName"]

ApiName: TypeAlias = Literal["pocketsflow", "reflow"]
"""The name of an API, as the command line, the webhooks and the sandbox spell it."""

API_NAMES: Final[tuple[ApiName, ...]] = ("pocketsflow", "reflow")
"""Every API storeflow speaks, in the order they are shown."""
