"""The framework-neutral webhook endpoint: verify, parse, deduplicate, acknowledge, then act.

What a delivery is answered, and when:

- ``401`` when the signature is missing, malformed or wrong (nothing else is read);
- ``400`` when a correctly signed body is not a JSON object of the event's shape;
- ``200`` for a repeat of an event already claimed (the callback does not run again);
- ``200`` at once for a new event when ``background=True`` (the default): the callback runs
  afterwards in a task, so a slow callback never makes the sender time out (Pocketsflow waits
  about 5 s, once). If it raises, the error is logged on the ``storeflow.webhooks`` logger
  and the event's id is released from the deduplicator, but the sender has its 200 and will not
  deliver again: Pocketsflow never redelivers anyway (reconcile from the API), and a Reflow
  event is lost unless the application replays it;
- with ``background=False`` the callback runs before the answer: ``200`` when it returns,
  ``500`` when it raises (its id released), so Reflow, which retries until it gets a 200,
  delivers the event again. Use it for quick callbacks where a retry is worth more than speed.
- ``503`` after :meth:`WebhookReceiver.aclose` (shutting down): Reflow will retry later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

from attrs import frozen

from storeflow.errors import DecodeError, WebhookSignatureError
from storeflow.webhooks._dedupe import Deduplicator
from storeflow.webhooks._event import Api, WebhookApi, WebhookEvent
from storeflow.webhooks._signature import Secret, Secrets

__all__ = ["Callback", "Receipt", "WebhookReceiver"]

logger = logging.getLogger("storeflow.webhooks")

Callback: TypeAlias = Callable[[WebhookEvent], Awaitable[None]]
"""The application's handler: ``async def on_event(event: WebhookEvent) -> None``."""


@frozen(kw_only=True)
class Receipt:
    """How to answer a delivery: ``status``, a JSON ``body``, and the ``event`` if one was
    parsed (``None`` for a rejected delivery)."""

    status: int
    body: dict[str, Any]
    event: WebhookEvent | None


class WebhookReceiver:
    """One webhook endpoint of ``api`` (``"pocketsflow"`` or ``"reflow"``).

    ``secret`` is the endpoint's signing secret, or a sequence of them during a rotation;
    ``callback`` the application's ``async`` handler; ``dedupe`` a :class:`Deduplicator` (none
    by default: every verified delivery reaches the callback); ``background`` whether the
    callback runs after the answer (see the module docs for the statuses). The web-framework
    helpers (:func:`~storeflow.webhooks.aiohttp_handler`,
    :func:`~storeflow.webhooks.starlette_endpoint`) adapt :meth:`receive` to a request.
    Call :meth:`aclose` at shutdown to let running callbacks finish.

    Raises ``ValueError`` for an unknown ``api`` or an empty secret.
    """

    def __init__(
        self,
        api: Api,
        *,
        secret: Secret,
        callback: Callback,
        dedupe: Deduplicator | None = None,
        background: bool = True,
    ) -> None:
        self._api = WebhookApi(api)
        self.api: Api = api
        self._secrets = Secrets(secret)
        self.callback = callback
        self.dedupe = dedupe
        self.background = background
        self._tasks: set[asyncio.Task[bool]] = set()
        self._closing = False

    def __repr__(self) -> str:
        return (
            f"WebhookReceiver(api={self.api!r}, secrets={self._secrets!r}, "
            f"background={self.background!r}, dedupe={self.dedupe is not None!r})"
        )

    @property
    def running(self) -> int:
        """How many callbacks are running in the background now."""
        return len(self._tasks)

    async def receive(self, body: bytes, headers: Mapping[str, str]) -> Receipt:
        """Handle one delivery: ``body`` exactly as received and the request's ``headers``.

        Never raises for anything the sender controls; the :class:`Receipt` says what to answer.
        """
        if self._closing:
            return Receipt(status=503, body={"error": "shutting down"}, event=None)
        try:
            self._api.verify(body, headers, self._secrets)
        except WebhookSignatureError as exc:
            logger.warning("refused a %s webhook: %s", self.api, exc)
            return Receipt(status=401, body={"error": str(exc)}, event=None)
        try:
            event = self._api.parse(body, headers)
        except DecodeError as exc:
            # The message names the field; the body (the buyer's data) stays out of the log.
            logger.warning("refused a %s webhook: %s", self.api, exc.args[0])
            return Receipt(status=400, body={"error": "not a valid webhook body"}, event=None)
        if self.dedupe is not None and not await self.dedupe.claim(event):
            return Receipt(status=200, body={"received": True, "duplicate": True}, event=event)
        if self.background:
            task = asyncio.create_task(self._run(event), name=f"webhook {event.name} {event.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return Receipt(status=200, body={"received": True}, event=event)
        if await self._run(event):
            return Receipt(status=200, body={"received": True}, event=event)
        return Receipt(status=500, body={"error": "the event could not be handled"}, event=event)

    async def _run(self, event: WebhookEvent) -> bool:
        try:
            await self.callback(event)
        except Exception:
            logger.exception(
                "the %s webhook callback failed on %s %s", self.api, event.name, event.id
            )
            if self.dedupe is not None:
                await self.dedupe.release(event)
            return False
        return True

    async def aclose(self, grace: float | None = None) -> None:
        """Refuse new deliveries (503) and wait for the running callbacks, at most ``grace``
        seconds (``None``: as long as they take); those still running then are cancelled."""
        self._closing = True
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
