"""The Reflow client."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from storeflow import _validate as check
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
from storeflow.errors import ValidationError
from storeflow.ratelimit import Limiter, RateLimit
from storeflow.reflow._params import ARGUMENTS
from storeflow.reflow._resources import (
    LISTINGS,
    Categories,
    Orders,
    Plans,
    Products,
    Users,
)

__all__ = ["Reflow"]

LIVE_BASE_URL: Final = "https://api.reflowhq.com/v2"
TEST_BASE_URL: Final = "https://test-api.reflowhq.com/v2"
API_KEY_ENV: Final = "REFLOW_API_KEY"
PROJECT_ID_ENV: Final = "REFLOW_PROJECT_ID"
BASE_URL_ENV: Final = "REFLOW_BASE_URL"
API: Final = ApiProfile(
    key_env=API_KEY_ENV,
    # Public callers see `error`; Laravel's `message` and `errors` are read as well.
    errors=ErrorDialect(message_keys=("message", "error"), details_key="errors"),
)
"""How Reflow keys look (no part is safe to show but the end) and how it words errors."""


def _project_id(value: int | str | None) -> int:
    """The project id from ``value`` or ``REFLOW_PROJECT_ID``, checked with the schema's rule
    (an integer, or its digits as a string)."""
    rule = ARGUMENTS["plans_list"].rules["projectId"]
    if value is not None:
        return int(check.arg(rule, "project_id", value))
    raw = os.environ.get(PROJECT_ID_ENV)
    if not raw:
        raise ValidationError("project_id", f"is required: pass project_id or set {PROJECT_ID_ENV}")
    try:
        return int(check.arg(rule, "project_id", raw))
    except ValidationError as exc:
        raise ValidationError("project_id", f"from {PROJECT_ID_ENV}: {exc.rule}") from None


class Reflow(BaseClient):
    """An async client for one Reflow project.

    ``project_id`` defaults to ``REFLOW_PROJECT_ID``; ``api_key`` to ``REFLOW_API_KEY``. The key
    is optional: public endpoints (plans, products, categories) work without it, and calling one
    that needs it without a key raises :class:`~storeflow.errors.ValidationError` before
    anything is sent. ``test_mode`` picks the test API's base URL; ``base_url`` (default
    ``REFLOW_BASE_URL``) overrides both.

    The other options are those of :class:`~storeflow.Pocketsflow`: ``timeout``,
    ``max_retries``, ``rate_limit``, ``session``, ``headers``, ``max_connections``, ``strict``::

        async with Reflow(267418190, test_mode=True) as rf:
            plans = await rf.request("GET", f"/projects/{rf.project_id}/plans/")

    Raises:
        ValidationError: ``project_id`` is missing or not an integer (or its digits), the key
            contains whitespace (the message never repeats it), or another argument is invalid.
    """

    listings = LISTINGS

    def __init__(
        self,
        project_id: int | str | None = None,
        api_key: str | None = None,
        *,
        test_mode: bool = False,
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
        self._project_id = _project_id(project_id)
        key = API.api_key(api_key)
        self._test_mode = test_mode
        if base_url is None:
            default = TEST_BASE_URL if test_mode else LIVE_BASE_URL
            base_url = os.environ.get(BASE_URL_ENV) or default
        super().__init__(
            Transport(
                api_key=key,
                api=API,
                base_url=base_url,
                options=self._options(locals()),
                path_params={"projectId": self._project_id},
            ),
            api="reflow",
            store=str(self._project_id),
        )

    def _attach(self, transport: Transport) -> None:
        super()._attach(transport)
        self.plans = Plans(transport)
        """Subscription plans (public)."""
        self.users = Users(transport)
        """User accounts (paginated: ``list`` and ``iter``; needs the key)."""
        self.products = Products(transport)
        """Products (paginated: ``list`` and ``iter``; public to read), and their updates."""
        self.categories = Categories(transport)
        """Product categories (public)."""
        self.orders = Orders(transport)
        """Orders (paginated: ``list`` and ``iter``; needs the key), and their updates."""

    @property
    def project_id(self) -> int:
        """The Reflow project every request addresses."""
        return self._project_id

    @property
    def test_mode(self) -> bool:
        """Whether the client was created for the test API."""
        return self._test_mode

    def _repr_fields(self) -> dict[str, object]:
        return {"project_id": self._project_id, **super()._repr_fields()}
