"""The Pocketsflow client."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final, Literal

import aiohttp

from storeflow._client import BaseClient
from storeflow._transport import Timeout, Transport
from storeflow.errors import ValidationError
from storeflow.pocketsflow._resources import (
    Customers,
    Discounts,
    Orders,
    Products,
    Reviews,
    Subscriptions,
    Upsells,
    Users,
)
from storeflow.ratelimit import Limiter, RateLimit

__all__ = ["Pocketsflow"]

DEFAULT_BASE_URL: Final = "https://api.pocketsflow.com"
API_KEY_ENV: Final = "POCKETSFLOW_API_KEY"
_KEY: Final = re.compile(r"pk_(test|live)_[A-Za-z0-9]+")


class Pocketsflow(BaseClient):
    """An async client for the Pocketsflow API.

    ``api_key`` defaults to the ``POCKETSFLOW_API_KEY`` environment variable; its prefix
    (``pk_test_`` or ``pk_live_``) selects the data set, and :attr:`mode` says which.

    Configuration: ``base_url``; ``timeout`` per attempt (:class:`~storeflow.Timeout`);
    ``max_retries`` after the first attempt; ``rate_limit`` (a :class:`~storeflow.RateLimit`,
    shared by every client of the process that targets the same host, a limiter object with
    ``async acquire()``, or ``None``); ``session``, a caller-owned ``aiohttp.ClientSession`` the
    client never closes; ``headers`` added to every request; ``max_connections``, the requests in
    flight at once; ``strict=True`` decodes responses exactly as the schema says and raises
    :class:`~storeflow.errors.DecodeError` otherwise (by default decoding is liberal: unknown
    fields are kept, unknown enum values kept as strings, unambiguous spellings coerced; see
    the README's "Forward compatibility"). Constructing a client does no I/O::

        async with Pocketsflow() as pf:
            me = await pf.request("GET", "/users/me")

    Raises:
        ValidationError: the key is missing or malformed (the message never repeats it), or
            another argument is invalid (see :class:`~storeflow._transport.Transport`).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: Timeout = Timeout(),  # noqa: B008 - frozen, so a shared default is safe
        max_retries: int = 2,
        rate_limit: RateLimit | Limiter | None = RateLimit(),  # noqa: B008 - frozen, as above
        session: aiohttp.ClientSession | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 64,
        strict: bool = False,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not key:
            raise ValidationError("api_key", f"is required: pass api_key or set {API_KEY_ENV}")
        match = _KEY.fullmatch(key)
        if match is None:
            raise ValidationError(
                "api_key", "must be 'pk_test_' or 'pk_live_' followed by letters and digits"
            )
        self._mode: Literal["test", "live"] = "test" if match.group(1) == "test" else "live"
        super().__init__(
            Transport(
                api_key=key,
                api_key_env=API_KEY_ENV,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                rate_limit=rate_limit,
                session=session,
                headers=headers,
                max_connections=max_connections,
                strict=strict,
            )
        )
        self.products: Final = Products(self._transport)
        """Products, and their variants as ``products.variants``."""
        self.orders: Final = Orders(self._transport)
        """Orders, newest first (paginated: ``list`` and ``iter``)."""
        self.customers: Final = Customers(self._transport)
        """Customers."""
        self.reviews: Final = Reviews(self._transport)
        """Reviews, all of them or one product's (public)."""
        self.discounts: Final = Discounts(self._transport)
        """Discount codes."""
        self.upsells: Final = Upsells(self._transport)
        """Upsells."""
        self.users: Final = Users(self._transport)
        """The authenticated user's profile and settings."""
        self.subscriptions: Final = Subscriptions(self._transport)
        """Subscriptions (paginated: ``list`` and ``iter``), cancel and refund."""

    @property
    def mode(self) -> Literal["test", "live"]:
        """``"test"`` or ``"live"``, from the key's prefix."""
        return self._mode

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "mode": self._mode}
