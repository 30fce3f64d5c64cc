"""The :class:`Sandbox`: both simulators served over loopback HTTP, with limits, faults and stats.

Each API is its own site on its own port, as the real APIs are different hosts (and clients
keep one rate limit per host). Around every API request, one middleware per site:

1. counts the request (per route, per rate-limit window) for :meth:`Sandbox.stats`;
2. applies the rate limit (a refused request gets 429 with ``Retry-After`` and the API's error
   body, and is not counted toward the limit);
3. applies the planned faults (see :mod:`storeflow.sandbox._faults`);
4. turns :class:`~storeflow.sandbox._common.HTTPFailure`, unknown paths, wrong methods and
   unexpected exceptions into JSON error answers in the API's dialect;
5. hands every JSON answer (before any fault mangles it) to the ``validate`` hook;
6. with :class:`~storeflow.sandbox.Drift` on, rewrites successful JSON answers the way real APIs
   drift from their schemas (see :mod:`storeflow.sandbox._drift`), after the ``validate`` hook
   saw the answer as the schema states it: the hook keeps catching the sandbox's own mistakes,
   and the deliberate drift is not one.

Each site also serves ``GET /_admin/stats`` (its :class:`ApiStats` as JSON), ``GET
/_admin/state`` (record counts of its stores) and ``POST /_admin/reset`` (its stores back to the
seeded data, its stats, rate-limit counters and fault plan afresh), and the webhook routes of
:func:`~storeflow.sandbox._webhooks.add_webhook_routes`; these are neither counted, limited nor
faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeAlias

import attrs
from aiohttp import web
from attrs import frozen

from storeflow._apis import API_NAMES
from storeflow._apis import ApiName as Api
from storeflow.pocketsflow._operations import OPERATIONS as POCKETSFLOW_OPERATIONS
from storeflow.pocketsflow._responses import RESPONSES as POCKETSFLOW_RESPONSES
from storeflow.reflow._operations import OPERATIONS as REFLOW_OPERATIONS
from storeflow.reflow._responses import RESPONSES as REFLOW_RESPONSES
from storeflow.sandbox._common import (
    Clock,
    ErrorBody,
    HTTPFailure,
    Scale,
    Store,
    error_body,
    json_response,
    message_body,
)
from storeflow.sandbox._drift import Drift, Drifter, DriftKind
from storeflow.sandbox._faults import FaultPlan, Faults
from storeflow.sandbox._ratelimit import Limiter, RateLimitMode, make_limiter
from storeflow.sandbox._webhooks import (
    REFLOW_RETRY_DELAYS,
    Webhook,
    WebhookDelivery,
    WebhookFaults,
    WebhookSender,
    add_webhook_routes,
)
from storeflow.sandbox.pocketsflow import (
    Mode,
    PocketsflowStore,
    build_pocketsflow_app,
    pocketsflow_jwt,
    pocketsflow_key,
)
from storeflow.sandbox.reflow import ReflowStore, build_reflow_app

__all__ = ["DEFAULT_PROJECT_ID", "Api", "ApiStats", "Sandbox", "SandboxStats", "Validator"]

logger = logging.getLogger("storeflow.sandbox")

Validator: TypeAlias = Callable[[str, str, str, int, bytes], None]
"""``validate(api, method, route_template, status, body)``: called for every JSON answer of a
known route; ``route_template`` is the schema's path (``/products/{id}``)."""

DEFAULT_PROJECT_ID: Final = 267418190
"""The Reflow project id the sandbox serves unless told otherwise (the reference's example)."""

_REFLOW_PREFIX: Final = "/v2"
_ADMIN_PREFIX: Final = "/_admin/"
_HTML_502: Final = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


@frozen(kw_only=True)
class ApiStats:
    """What one API's site has seen since the start (or the last reset).

    ``requests`` counts every API request that arrived (admitted, refused or faulted; admin
    routes excluded); ``by_route`` keys are ``"METHOD /template"`` (``"unmatched"`` for unknown
    paths); ``by_status`` counts the answers sent (dropped connections are in ``faults``);
    ``rate_limited`` counts 429 answers; ``internal_errors`` counts handlers that raised
    unexpectedly (a sandbox bug, answered with 500). ``per_window`` maps the start (sandbox
    unix seconds) of each clock-aligned window of ``window`` seconds to the requests that
    arrived in it;
    ``max_per_window`` is the largest of those and ``max_per_sliding_window`` the most requests
    in any ``window``-second interval — a client that respects a limit of N keeps both <= N.
    ``drift`` counts, by kind, the places drift mode changed in the answers (empty when off).
    """

    window: float
    requests: int
    by_route: dict[str, int]
    by_status: dict[int, int]
    rate_limited: int
    internal_errors: int
    faults: dict[str, int]
    per_window: dict[float, int]
    max_per_window: int
    max_per_sliding_window: int
    drift: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stats as JSON-able data (as ``GET /_admin/stats`` sends them)."""
        return {
            "window": self.window,
            "requests": self.requests,
            "by_route": self.by_route,
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "rate_limited": self.rate_limited,
            "internal_errors": self.internal_errors,
            "faults": self.faults,
            "per_window": {_number(k): v for k, v in self.per_window.items()},
            "max_per_window": self.max_per_window,
            "max_per_sliding_window": self.max_per_sliding_window,
            "drift": self.drift,
        }


def _number(value: float) -> str:
    """``value`` as JSON would spell it, without a ``.0`` on whole numbers (``"6000"``)."""
    return str(int(value)) if value == int(value) else str(value)


@frozen(kw_only=True)
class SandboxStats:
    """:class:`ApiStats` of both sites."""

    pocketsflow: ApiStats
    reflow: ApiStats


class _Recorder:
    """Collects one site's :class:`ApiStats`."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.reset()

    def reset(self) -> None:
        self.arrivals: list[float] = []
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0
        self.internal_errors = 0

    def snapshot(self, drift: Mapping[DriftKind, int] | None = None) -> ApiStats:
        window = self.window
        per_window = Counter(math.floor(t / window) * window for t in self.arrivals)
        times = sorted(self.arrivals)
        most, first = 0, 0
        for last, t in enumerate(times):
            # Same convention as the sliding limiter: an interval is (t - window, t].
            while times[first] <= t - window:
                first += 1
            most = max(most, last - first + 1)
        return ApiStats(
            window=window,
            requests=len(self.arrivals),
            by_route=dict(self.by_route),
            by_status=dict(self.by_status),
            rate_limited=self.rate_limited,
            internal_errors=self.internal_errors,
            faults=dict(self.faults),
            per_window=dict(sorted(per_window.items())),
            max_per_window=max(per_window.values(), default=0),
            max_per_sliding_window=most,
            drift={kind: drift[kind] for kind in sorted(drift)} if drift else {},
        )


class _Site:
    """One API's application, limiter, fault plan and stats."""

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
        self.recorder = _Recorder(sandbox.window)
        self.limiter: Limiter | None = make_limiter(
            sandbox.rate_limit, sandbox.clock, sandbox.limit, sandbox.window
        )
        self.plan = FaultPlan(sandbox.faults)
        self.drifter = self.make_drifter(sandbox.drift)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def reset(self) -> None:
        self.recorder.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.plan = FaultPlan(self.plan.faults)
        if self.drifter is not None:
            self.drifter.reset()

    def make_drifter(self, drift: Drift | None) -> Drifter | None:
        if drift is None:
            return None
        if self.api == "pocketsflow":
            return Drifter(drift, POCKETSFLOW_OPERATIONS, POCKETSFLOW_RESPONSES)
        return Drifter(drift, REFLOW_OPERATIONS, REFLOW_RESPONSES)

    def snapshot(self) -> ApiStats:
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
        if request.path.startswith(_ADMIN_PREFIX):
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


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        # Name the address: with two sites, the caller cannot tell which port failed.
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.setblocking(False)
    return sock


def _derived(seed: int, purpose: str, size: int) -> str:
    return hashlib.blake2b(
        f"storeflow-sandbox:{seed}:{purpose}".encode(), digest_size=size
    ).hexdigest()


class Sandbox:
    """Local, stateful simulators of Pocketsflow and Reflow, served over loopback HTTP.

    ``async with Sandbox() as sb:`` starts both sites (Pocketsflow at ``sb.pocketsflow_url``,
    Reflow at ``sb.reflow_url``, which ends in ``/v2``) and stops them on exit. Or call
    :meth:`start`/:meth:`stop`, or use :meth:`running_in_thread` from synchronous code.

    Arguments (all keyword-only):

    * ``seed`` — the same seed gives the same data and keys; ``scale`` — record counts
      (:class:`~storeflow.sandbox.Scale`; the live Pocketsflow dataset uses a tenth of it).
    * ``rate_limit`` — ``"fixed"`` (default), ``"sliding"`` or ``"off"``: ``limit`` requests per
      ``window`` sandbox seconds per client address and site; ``time_scale`` makes sandbox time
      run faster than real time (60 turns a minute into a second).
    * ``faults`` — :class:`~storeflow.sandbox.Faults` to inject (off by default); change them at
      run time by assigning :attr:`faults`.
    * ``host``/``port`` — where to listen: ``port=0`` picks two free ports, ``port=N`` serves
      Pocketsflow on N and Reflow on N + 1.
    * ``validate`` — a :data:`Validator` called with every JSON answer (tests check them against
      the schemas with it).
    * ``reflow_project_id`` — the project id the Reflow site answers for.
    * ``clock`` — a :class:`~storeflow.sandbox.Clock` to use instead of ``Clock(time_scale)``
      (tests pass one whose ``now()`` they control).
    * ``webhooks`` — :class:`~storeflow.sandbox.Webhook` receivers to send events to (more with
      :meth:`add_webhook` or ``POST /_admin/webhooks``); ``webhook_faults`` —
      :class:`~storeflow.sandbox.WebhookFaults` (duplicates, out-of-order deliveries);
      ``webhook_retry_delays`` — sandbox seconds before each Reflow retry (1, 2, 4, 8, 16).
    * ``drift`` — a :class:`~storeflow.sandbox.Drift`: successful answers gain unknown fields,
      new enum values, nulls and other spellings of their values, seeded (off by default;
      :meth:`stats` counts what changed).

    Raises ``ValueError`` for invalid arguments; :meth:`start` raises ``OSError`` if a port is
    taken. Not thread-safe: touch the stores from the thread running the sandbox.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: Scale | None = None,
        rate_limit: RateLimitMode = "fixed",
        limit: int = 200,
        window: float = 60.0,
        time_scale: float = 1.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        validate: Validator | None = None,
        reflow_project_id: int = DEFAULT_PROJECT_ID,
        clock: Clock | None = None,
        webhooks: Sequence[Webhook] = (),
        webhook_faults: WebhookFaults | None = None,
        webhook_retry_delays: Sequence[float] = REFLOW_RETRY_DELAYS,
        drift: Drift | None = None,
    ) -> None:
        if clock is not None and time_scale != 1.0:
            raise ValueError("give either clock or time_scale, not both")
        if not 0 <= port <= 65534:
            raise ValueError("port must be between 0 and 65534")
        if reflow_project_id < 1:
            raise ValueError("reflow_project_id must be a positive integer")
        self.seed = seed
        self.scale = scale if scale is not None else Scale()
        self.rate_limit: RateLimitMode = rate_limit
        self.limit = limit
        self.window = window
        self.clock = clock if clock is not None else Clock(time_scale)
        self.host = host
        self.port = port
        self.validate = validate
        self._drift = drift
        self.reflow_project_id = reflow_project_id
        self.pocketsflow_test_key = pocketsflow_key(seed, "test")
        """The Pocketsflow test-mode key (``pk_test_…``): opens :attr:`pocketsflow`."""
        self.pocketsflow_live_key = pocketsflow_key(seed, "live")
        """The Pocketsflow live-mode key (``pk_live_…``): opens ``pocketsflow_store("live")``."""
        self.pocketsflow_jwt = pocketsflow_jwt(seed)
        """A JWT as Auth0 issues them (the API's other bearer token): opens :attr:`pocketsflow`."""
        self.reflow_api_key = f"rf_{_derived(seed, 'reflow-key', 20)}"
        """The Reflow API key."""
        self._faults = faults if faults is not None else Faults()
        make_limiter(rate_limit, self.clock, limit, window)  # validates the limiter arguments
        self._pocketsflow: dict[Mode, PocketsflowStore] = {}
        self._reflow: ReflowStore | None = None
        self._sites: dict[Api, _Site] = {}
        self._webhooks = WebhookSender(
            self.clock,
            seed=seed,
            faults=webhook_faults,
            webhooks=webhooks,
            retry_delays=webhook_retry_delays,
        )

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Seed the stores (in a worker thread, so a big store does not stall the event loop)
        and start serving both sites. Raises ``RuntimeError`` if already started."""
        if self._sites:
            raise RuntimeError("the sandbox is already running")
        await asyncio.to_thread(self._seed)
        assert self._reflow is not None
        self._webhooks.attach("pocketsflow", list(self._pocketsflow.values()))
        self._webhooks.attach("reflow", [self._reflow])
        await self._webhooks.start()
        pocketsflow = _Site(self, "pocketsflow", "", message_body)
        reflow = _Site(self, "reflow", _REFLOW_PREFIX, error_body)
        self._sites = {"pocketsflow": pocketsflow, "reflow": reflow}
        try:
            pf_app = build_pocketsflow_app(
                {
                    self.pocketsflow_test_key: self._pocketsflow["test"],
                    self.pocketsflow_live_key: self._pocketsflow["live"],
                    self.pocketsflow_jwt: self._pocketsflow["test"],
                },
                middlewares=[pocketsflow.middleware],
            )
            rf_app = web.Application(middlewares=[reflow.middleware])
            assert self._reflow is not None
            rf_app.add_subapp(
                _REFLOW_PREFIX,
                build_reflow_app(
                    self._reflow, project_id=self.reflow_project_id, api_key=self.reflow_api_key
                ),
            )
            await self._serve(pocketsflow, pf_app, self.port)
            await self._serve(reflow, rf_app, self.port + 1 if self.port else 0)
        except BaseException:
            await self.stop()
            raise
        reflow.url += _REFLOW_PREFIX

    def _seed(self) -> None:
        self._pocketsflow = {
            "test": PocketsflowStore(seed=self.seed, scale=self.scale, clock=self.clock),
            "live": PocketsflowStore(
                seed=self.seed, scale=self.scale.for_live(), clock=self.clock, mode="live"
            ),
        }
        self._reflow = ReflowStore(seed=self.seed, scale=self.scale, clock=self.clock)

    async def _serve(self, site: _Site, app: web.Application, port: int) -> None:
        self._add_admin_routes(site, app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site.runner = runner
        sock = _bind(self.host, port)
        await web.SockSite(runner, sock).start()
        bound = sock.getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        site.url = f"http://{host}:{bound}"

    async def stop(self) -> None:
        """Stop serving (open connections are closed). Safe to call more than once."""
        sites, self._sites = self._sites, {}
        await self._webhooks.stop()
        for site in sites.values():
            if site.runner is not None:
                await site.runner.cleanup()

    @contextlib.contextmanager
    def running_in_thread(self) -> Iterator[Sandbox]:
        """Run the sandbox on its own event loop in a background thread for the ``with`` block.

        For synchronous code (schemathesis, scripts). The stores belong to that thread: read
        them only between requests. Raises whatever :meth:`start` raised.
        """
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())

        thread = threading.Thread(target=run, name="storeflow-sandbox", daemon=True)
        thread.start()
        started.wait()
        try:
            if failure:
                raise failure[0]
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    # -- what tests and users read --------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the sandbox is serving (between :meth:`start` and :meth:`stop`)."""
        return bool(self._sites)

    def __repr__(self) -> str:
        # What it serves, never its keys: a repr ends up in logs.
        if self.running:
            where = f"pocketsflow={self.pocketsflow_url!r}, reflow={self.reflow_url!r}"
        else:
            where = f"not running, host={self.host!r}, port={self.port}"
        faults = "on" if self._faults.enabled else "off"
        return (
            f"Sandbox({where}, project_id={self.reflow_project_id}, seed={self.seed}, "
            f"orders={self.scale.orders}, rate_limit={self.rate_limit!r}, faults={faults})"
        )

    def _site(self, api: Api) -> _Site:
        if not self._sites:
            raise RuntimeError("the sandbox is not running; use 'async with Sandbox() as sb'")
        return self._sites[api]

    @property
    def pocketsflow_url(self) -> str:
        """The Pocketsflow base URL (``http://127.0.0.1:PORT``). Raises ``RuntimeError`` before
        the sandbox started."""
        return self._site("pocketsflow").url

    @property
    def reflow_url(self) -> str:
        """The Reflow base URL (``http://127.0.0.1:PORT/v2``). Raises ``RuntimeError`` before
        the sandbox started."""
        return self._site("reflow").url

    @property
    def pocketsflow(self) -> PocketsflowStore:
        """The Pocketsflow test dataset (what :attr:`pocketsflow_test_key` opens)."""
        return self.pocketsflow_store("test")

    def pocketsflow_store(self, mode: Mode) -> PocketsflowStore:
        """The Pocketsflow dataset of ``mode`` (``"test"`` or ``"live"``). Raises
        ``RuntimeError`` before the sandbox started."""
        self._site("pocketsflow")
        return self._pocketsflow[mode]

    @property
    def reflow(self) -> ReflowStore:
        """The Reflow dataset. Raises ``RuntimeError`` before the sandbox started."""
        self._site("reflow")
        assert self._reflow is not None
        return self._reflow

    @property
    def faults(self) -> Faults:
        """The faults being injected; assign new :class:`Faults` to change them at run time
        (each site starts drawing afresh from the new seed)."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults
        for site in self._sites.values():
            site.plan = FaultPlan(faults)

    @property
    def drift(self) -> Drift | None:
        """How the answers drift from the schemas (``None``: as the schemas state them); assign
        a :class:`~storeflow.sandbox.Drift` or ``None`` to change it at run time (the drift
        counts in :meth:`stats` start afresh)."""
        return self._drift

    @drift.setter
    def drift(self, drift: Drift | None) -> None:
        self._drift = drift
        for site in self._sites.values():
            site.drifter = site.make_drifter(drift)

    @property
    def webhook_faults(self) -> WebhookFaults:
        """The webhook delivery faults; assign new :class:`WebhookFaults` to change them."""
        return self._webhooks.faults

    @webhook_faults.setter
    def webhook_faults(self, faults: WebhookFaults) -> None:
        self._webhooks.faults = faults

    def add_webhook(self, webhook: Webhook) -> None:
        """Send ``webhook.api``'s events from now on to ``webhook.url``, signed with its secret."""
        self._webhooks.add(webhook)

    def webhook_deliveries(self, api: Api | None = None) -> list[WebhookDelivery]:
        """Every webhook delivery so far (of ``api``, or both), with each attempt's answer."""
        return self._webhooks.deliveries(api)

    async def wait_for_webhooks(self) -> None:
        """Wait until every event so far is delivered or given up (Reflow's retries included).
        Raises ``RuntimeError`` before the sandbox started."""
        await self._webhooks.idle()

    def stats(self) -> SandboxStats:
        """What each site has seen. Raises ``RuntimeError`` before the sandbox started."""
        return SandboxStats(
            pocketsflow=self._site("pocketsflow").snapshot(),
            reflow=self._site("reflow").snapshot(),
        )

    def reset(self) -> None:
        """Back to the freshly seeded data, with empty stats, rate-limit counters and fresh
        fault plans. Raises ``RuntimeError`` before the sandbox started."""
        for api in API_NAMES:
            self._reset_site(self._site(api))

    def _reset_site(self, site: _Site) -> None:
        # Typed as the protocol, so that mypy holds both store classes to it.
        stores: list[Store] = (
            [*self._pocketsflow.values()] if site.api == "pocketsflow" else [self.reflow]
        )
        for store in stores:
            store.reset()
        site.reset()

    # -- admin routes ---------------------------------------------------------------------------

    def _add_admin_routes(self, site: _Site, app: web.Application) -> None:
        async def stats(_request: web.Request) -> web.Response:
            return json_response(site.snapshot().to_dict())

        async def state(_request: web.Request) -> web.Response:
            if site.api == "pocketsflow":
                return json_response({mode: s.state() for mode, s in self._pocketsflow.items()})
            return json_response(self.reflow.state())

        async def reset(_request: web.Request) -> web.Response:
            self._reset_site(site)
            return json_response({"reset": True})

        if site.api == "pocketsflow":
            test = self._pocketsflow["test"]
            add_webhook_routes(
                app, "pocketsflow", self._webhooks, test.add_orders, test.refund_order
            )
        else:
            add_webhook_routes(app, "reflow", self._webhooks, self.reflow.add_orders, None)
        app.router.add_get(f"{_ADMIN_PREFIX}stats", stats)
        app.router.add_get(f"{_ADMIN_PREFIX}state", state)
        app.router.add_post(f"{_ADMIN_PREFIX}reset", reset)
