"""The :class:`Sandbox`: both simulators served over loopback HTTP, with limits, faults and stats.

Each API is its own site on its own port, as the real APIs are different hosts (and clients
keep one rate limit per host). Each site (:class:`~storeflow.sandbox._site.Site`) wraps its API
in one middleware: stats, rate limit, faults, error answers, the ``validate`` hook and drift.

Each site also serves ``GET /_admin/stats`` (its :class:`~storeflow.sandbox.ApiStats` as JSON),
``GET /_admin/state`` (record counts of its stores) and ``POST /_admin/reset`` (its stores back
to the seeded data, its stats, rate-limit counters and fault plan afresh), and the webhook routes
of :func:`~storeflow.sandbox._webhooks.add_webhook_routes`; these are neither counted, limited
nor faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Final

from aiohttp import web

from storeflow._apis import API_NAMES
from storeflow._apis import ApiName as Api
from storeflow.sandbox._drift import Drift
from storeflow.sandbox._faults import FaultPlan, Faults
from storeflow.sandbox._http import error_body, json_response, message_body
from storeflow.sandbox._ratelimit import RateLimitMode, make_limiter
from storeflow.sandbox._site import ADMIN_PREFIX, Site, Validator
from storeflow.sandbox._stats import SandboxStats
from storeflow.sandbox._stores import Clock, Scale, Store
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

__all__ = ["DEFAULT_PROJECT_ID", "Sandbox"]

DEFAULT_PROJECT_ID: Final = 267418190
"""The Reflow project id the sandbox serves unless told otherwise (the reference's example)."""

_REFLOW_PREFIX: Final = "/v2"


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
        self._sites: dict[Api, Site] = {}
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
        pocketsflow = Site(self, "pocketsflow", "", message_body)
        reflow = Site(self, "reflow", _REFLOW_PREFIX, error_body)
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

    async def _serve(self, site: Site, app: web.Application, port: int) -> None:
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

    def _site(self, api: Api) -> Site:
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

    def _reset_site(self, site: Site) -> None:
        # Typed as the protocol, so that mypy holds both store classes to it.
        stores: list[Store] = (
            [*self._pocketsflow.values()] if site.api == "pocketsflow" else [self.reflow]
        )
        for store in stores:
            store.reset()
        site.reset()

    # -- admin routes ---------------------------------------------------------------------------

    def _add_admin_routes(self, site: Site, app: web.Application) -> None:
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
        app.router.add_get(f"{ADMIN_PREFIX}stats", stats)
        app.router.add_get(f"{ADMIN_PREFIX}state", state)
        app.router.add_post(f"{ADMIN_PREFIX}reset", reset)
