"""One API's site in the sandbox: its limiter, fault plan, drift and stats, and the middleware.

Around every API request, the site's :meth:`Site.middleware`:

1. counts the request (per route, per rate-limit window) for :meth:`Sandbox.stats
   <storeflow.sandbox.Sandbox.stats>`;
2. applies the rate limit (a refused request gets 429 with ``Retry-After`` and the API's error
   body, and is not counted toward the limit);
3. applies the planned faults (see :mod:`storeflow.sandbox._faults`);
4. turns :class:`~storeflow.sandbox._http.HTTPFailure`, unknown paths, wrong methods and
   unexpected exceptions into JSON error answers in the API's dialect;
5. hands every JSON answer (before any fault mangles it) to the ``validate`` hook;
6. with :class:`~storeflow.sandbox.Drift` on, rewrites successful JSON answers the way real APIs
   drift from their schemas (see :mod:`storeflow.sandbox._drift`), after the ``validate`` hook
   saw the answer as the schema states it: the hook keeps catching the sandbox's own mistakes,
   and the deliberate drift is not one.

Routes under :data:`ADMIN_PREFIX` pass straight through: neither counted, limited nor faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeAlias

from aiohttp import web

from storeflow._apis import ApiName as Api
from storeflow.pocketsflow._operations import OPERATIONS as POCKETSFLOW_OPERATIONS
from storeflow.pocketsflow._responses import RESPONSES as POCKETSFLOW_RESPONSES
from storeflow.reflow._operations import OPERATIONS as REFLOW_OPERATIONS
from storeflow.reflow._responses import RESPONSES as REFLOW_RESPONSES
from storeflow.sandbox._drift import Drift, Drifter
from storeflow.sandbox._faults import FaultPlan
from storeflow.sandbox._http import ErrorBody, HTTPFailure, json_response
from storeflow.sandbox._ratelimit import Limiter, make_limiter
from storeflow.sandbox._stats import ApiStats, Recorder

if TYPE_CHECKING:
    from storeflow.sandbox._server import Sandbox

__all__ = ["ADMIN_PREFIX", "Site", "Validator"]

logger = logging.getLogger("storeflow.sandbox")

Validator: TypeAlias = Callable[[str, str, str, int, bytes], None]
"""``validate(api, method, route_template, status, body)``: called for every JSON answer of a
known route; ``route_template`` is the schema's path (``/products/{id}``)."""

ADMIN_PREFIX: Final = "/_admin/"
"""Where each site's admin and webhook routes live, outside the API's own paths."""

_HTML_502: Final = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


class Site:
    """One API's application, limiter, fault plan and stats, for one :class:`Sandbox`.

    ``prefix`` is what the API's paths start with on this site (``/v2`` for Reflow), cut from the
    route templates the stats and the ``validate`` hook see; ``errors`` builds the API's error
    body. The sandbox sets ``runner`` and ``url`` once the site serves.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        api: Api,
        prefix: str,
        errors: ErrorBody,
    ) -> None:
        self.sandbox = sandbox
        self.api: Api = api
        self.prefix = prefix
        self.errors = errors
        self.recorder = Recorder(sandbox.window)
        self.limiter: Limiter | None = make_limiter(
            sandbox.rate_limit, sandbox.clock, sandbox.limit, sandbox.window
        )
        self.plan = FaultPlan(sandbox.faults)
        self.drifter = self.make_drifter(sandbox.drift)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def reset(self) -> None:
        """Empty the stats and rate-limit counters; draw faults and drift afresh."""
        self.recorder.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.plan = FaultPlan(self.plan.faults)
        if self.drifter is not None:
            self.drifter.reset()

    def make_drifter(self, drift: Drift | None) -> Drifter | None:
        """A drifter of this API's answers for ``drift`` (``None`` when drift is off)."""
        if drift is None:
            return None
        if self.api == "pocketsflow":
            return Drifter(drift, POCKETSFLOW_OPERATIONS, POCKETSFLOW_RESPONSES)
        return Drifter(drift, REFLOW_OPERATIONS, REFLOW_RESPONSES)

    def snapshot(self) -> ApiStats:
        """What this site has seen so far."""
        return self.recorder.snapshot(self.drifter.counts if self.drifter is not None else None)

    def _route(self, request: web.Request) -> str | None:
        resource = request.match_info.route.resource
        if resource is None or request.match_info.http_exception is not None:
            return None
        canonical = resource.canonical
        return canonical.removeprefix(self.prefix) if self.prefix else canonical

    def _retry_after(self, wait: float) -> str:
        real = self.sandbox.clock.to_real(wait)
        if self.sandbox.clock.time_scale == 1.0:
            return str(max(1, math.ceil(real)))
        return f"{max(real, 0.001):.3f}"

    def _validate(self, request: web.Request, route: str | None, response: web.Response) -> None:
        validate = self.sandbox.validate
        if validate is None or route is None or response.content_type != "application/json":
            return
        body = response.body
        if not isinstance(body, bytes):
            return
        try:
            validate(self.api, request.method, route, response.status, body)
        except Exception:
            logger.exception("the validate hook failed for %s %s", request.method, route)

    def _drift(self, request: web.Request, route: str | None, response: web.Response) -> None:
        body = response.body
        if (
            self.drifter is None
            or route is None
            or not 200 <= response.status < 300
            or response.content_type != "application/json"
            or not isinstance(body, bytes)
        ):
            return
        drifted = self.drifter.apply(request.method, route, body)
        if drifted is not None:
            response.body = drifted

    async def _answer(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except HTTPFailure as failure:
            return json_response(failure.body, failure.status)
        except web.HTTPException as exc:
            # The router's own answers (unknown path, wrong method), in the API's dialect.
            headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            return json_response(self.errors(exc.reason), exc.status, headers)
        except Exception:
            logger.exception("sandbox handler failed: %s %s", request.method, request.path)
            self.recorder.internal_errors += 1
            return json_response(self.errors("Internal server error"), 500)

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """The per-request pipeline described in the module docstring."""
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        route = self._route(request)
        recorder = self.recorder
        recorder.arrivals.append(self.sandbox.clock.now())
        recorder.by_route[f"{request.method} {route}" if route else "unmatched"] += 1

        if self.limiter is not None:
            wait = self.limiter.admit(request.remote or "unknown")
            if wait is not None:
                recorder.rate_limited += 1
                response = json_response(
                    self.errors("Too many requests, please try again later."),
                    429,
                    {"Retry-After": self._retry_after(wait)},
                )
                return self._sent(request, route, response)

        delay, before, after = self.plan.draw()
        if delay:
            await asyncio.sleep(delay)
        if before == "html":
            recorder.faults[before] += 1
            recorder.by_status[502] += 1
            return web.Response(status=502, text=_HTML_502, content_type="text/html")
        if before is not None:
            recorder.faults[before] += 1
            status = int(before.removeprefix("error_"))
            response = json_response(self.errors("Injected server error"), status)
            return self._sent(request, route, response)

        answer = await self._answer(request, handler)
        if not isinstance(answer, web.Response):
            return answer
        self._validate(request, route, answer)
        self._drift(request, route, answer)
        if after == "drop":
            recorder.faults[after] += 1
            if request.transport is not None:
                request.transport.close()
            return answer
        recorder.by_status[answer.status] += 1
        body = answer.body if isinstance(answer.body, bytes) else b""
        if after == "truncate":
            recorder.faults[after] += 1
            return web.Response(
                body=body[: len(body) // 2],
                status=answer.status,
                content_type=answer.content_type,
            )
        if after == "slow_body":
            recorder.faults[after] += 1
            return await self._trickle(request, answer, body)
        return answer

    def _sent(
        self, request: web.Request, route: str | None, response: web.Response
    ) -> web.Response:
        self.recorder.by_status[response.status] += 1
        self._validate(request, route, response)
        return response

    async def _trickle(
        self, request: web.Request, answer: web.Response, body: bytes
    ) -> web.StreamResponse:
        stream = web.StreamResponse(status=answer.status, headers=answer.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        pieces = 5
        step = -(-len(body) // pieces) or 1
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(body), step):
                await asyncio.sleep(self.plan.faults.slow_body_delay / pieces)
                await stream.write(body[start : start + step])
            await stream.write_eof()
        return stream
