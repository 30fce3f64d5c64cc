"""The Pocketsflow client."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final, Literal

from storeflow._client import BaseClient
from storeflow._config import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RATE_LIMIT,
    ApiProfile,
    ErrorDialect,
    Timeout,
)
from storeflow._transport import Session, Transport
from storeflow.pocketsflow._catalog import Discounts, Products, Reviews, Upsells
from storeflow.pocketsflow._resources import LISTINGS
from storeflow.pocketsflow._sales import Customers, Orders, Subscriptions, Users
from storeflow.ratelimit import Limiter, RateLimit

__all__ = ["Pocketsflow"]

DEFAULT_BASE_URL: Final = "https://api.pocketsflow.com"
API_KEY_ENV: Final = "POCKETSFLOW_API_KEY"
_MODES: Final[Mapping[str, Literal["test", "live"]]] = {"pk_test_": "test", "pk_live_": "live"}
BASE_URL_ENV: Final = "POCKETSFLOW_BASE_URL"
API: Final = ApiProfile(
    key_env=API_KEY_ENV,
    key_prefix=re.compile("|".join(map(re.escape, _MODES))),
    # The HTTP reference words errors as `message`; its machine-readable one as `error`.
    errors=ErrorDialect(message_keys=("message", "error")),
)
"""How Pocketsflow keys look (a mode prefix is safe to show) and how it words errors."""


class Pocketsflow(BaseClient):
    """An async client for the Pocketsflow API.

    ``api_key`` defaults to the ``POCKETSFLOW_API_KEY`` environment variable. It is any bearer
    token the API accepts: an API key, whose prefix (``pk_test_`` or ``pk_live_``) selects the
    data set (:attr:`mode` says which), or a JWT from Auth0 (:attr:`mode` is ``None``). The key
    is optional: the public endpoint (``reviews.list_for_product``) works without one, and
    calling any other without one raises :class:`~storeflow.errors.ValidationError` naming
    ``POCKETSFLOW_API_KEY`` before anything is sent.

    Configuration: ``base_url`` (default ``POCKETSFLOW_BASE_URL``, else the API's); ``timeout``
    per attempt (seconds, or a :class:`~storeflow.Timeout`);
    ``max_retries`` after the first attempt; ``rate_limit`` (a :class:`~storeflow.RateLimit`,
    shared by every client of the process that targets the same host, a limiter object with
    ``async acquire()``, or ``None``); ``session``, a caller-owned ``aiohttp.ClientSession`` the
    client never closes; ``headers`` added to every request; ``max_connections``, the requests in
    flight at once; ``max_response_size``, the largest body read (32 MiB by default; a larger
    one raises :class:`~storeflow.errors.ResponseTooLargeError`). Constructing a client does no
    I/O::

        async with Pocketsflow() as pf:
            me = await pf.request("GET", "/users/me")

    Raises:
        ValidationError: the key contains whitespace or control characters (the message never
            repeats it), or another argument is invalid (see
            :class:`~storeflow._config.ClientOptions`).
    """

    listings = LISTINGS

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout | float = Timeout(),  # noqa: B008 - frozen, so a shared default is safe
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_limit: RateLimit | Limiter | None = DEFAULT_RATE_LIMIT,
        session: Session | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        strict: bool = False,
    ) -> None:
        key = API.api_key(api_key)
        self._mode = next(
            (mode for prefix, mode in _MODES.items() if key and key.startswith(prefix)), None
        )
        super().__init__(
            Transport(
                api_key=key,
                api=API,
                base_url=base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
                options=self._options(locals()),
            ),
            api="pocketsflow",
            store=key or "",
        )

    def _attach(self, transport: Transport) -> None:
        super()._attach(transport)
        self.products = Products(transport)
        """Products, and their variants as ``products.variants``."""
        self.orders = Orders(transport)
        """Orders, newest first (paginated: ``list`` and ``iter``)."""
        self.customers = Customers(transport)
        """Customers."""
        self.reviews = Reviews(transport)
        """Reviews, all of them or one product's (public)."""
        self.discounts = Discounts(transport)
        """Discount codes."""
        self.upsells = Upsells(transport)
        """Upsells."""
        self.users = Users(transport)
        """The authenticated user's profile and settings."""
        self.subscriptions = Subscriptions(transport)
        """Subscriptions (paginated: ``list`` and ``iter``), cancel and refund."""

    @property
    def mode(self) -> Literal["test", "live"] | None:
        """``"test"`` or ``"live"`` from an API key's prefix; ``None`` for another token (an
        Auth0 JWT, whose data set the key does not say) or no key."""
        return self._mode

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "mode": self._mode}
