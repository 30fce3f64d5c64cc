"""The web-framework examples, served over real loopback HTTP against the sandbox: their routes
answer with the sandbox's data, storeflow's errors become 400/404 answers, and the one shared
client is closed when the application stops (an unclosed session fails the test, see conftest).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any, NamedTuple

import aiohttp
import pytest

from _example_apps import EXAMPLES, SERVERS, Serving, client_options, load_example
from _loopback import free_port
from storeflow import Pocketsflow, RateLimit
from storeflow._serde import structure
from storeflow.pocketsflow.models import Order, Product
from storeflow.sandbox import Sandbox


async def check_routes(base_url: str, sandbox: Sandbox) -> None:
    """The routes every example serves, compared with the sandbox's records."""
    products = [structure(p, Product) for p in sandbox.pocketsflow.dump("products")]
    orders = [structure(o, Order) for o in sandbox.pocketsflow.dump("orders")]
    async with aiohttp.ClientSession(base_url) as http:
        async with http.get("/products") as response:
            assert response.status == 200
            listed = await response.json()
        assert listed == [{"id": p.id, "name": p.name, "price": str(p.price)} for p in products]

        async with http.get(f"/products/{products[1].id}") as response:
            assert await response.json() == listed[1]

        async with http.get("/orders/recent", params={"limit": "3"}) as response:
            recent = await response.json()
        assert recent["total"] == len(orders)
        assert [o["id"] for o in recent["orders"]] == [o.id for o in orders[:3]]
        assert recent["orders"][0]["gross"] == str(orders[0].gross)
        assert recent["orders"][0]["created_at"] == orders[0].created_at.isoformat()

        async with http.get("/products/" + "0" * 24) as response:
            assert response.status == 404
        # Any id is the server's to look up, and page sizes are the server's to bound.
        async with http.get("/products/not-an-id") as response:
            assert response.status == 404
        async with http.get("/orders/recent", params={"limit": "101"}) as response:
            assert response.status == 200
            assert len((await response.json())["orders"]) == min(101, len(orders))


class Example(NamedTuple):
    """One example app: its name, how to serve it, and where it keeps its one client."""

    name: str
    serving: Serving
    shared_client: Callable[[ModuleType, Any], Any]

    def load(self) -> ModuleType:
        return load_example(self.name)

    @contextlib.asynccontextmanager
    async def get_products(self, app: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        """Serve ``app`` and answer one ``GET /products`` from it."""
        async with (
            self.serving(app) as base_url,
            aiohttp.ClientSession(base_url) as http,
            http.get("/products") as response,
        ):
            yield response


@pytest.fixture(params=sorted(SERVERS))
def example(request: pytest.FixtureRequest) -> Example:
    return Example(request.param, *SERVERS[request.param])


async def test_example_serves_the_sandbox_s_data_through_one_client(
    example: Example, sandbox: Sandbox
) -> None:
    module = example.load()
    app = module.create_app(**client_options(sandbox))
    async with example.serving(app) as base_url:
        client = example.shared_client(module, app)
        assert isinstance(client, Pocketsflow)
        await check_routes(base_url, sandbox)
    # Shut down with the application: the client refuses requests, its session is closed.
    with pytest.raises(RuntimeError, match="closed"):
        await client.products.list()
    # Every request went through the one client: the sandbox saw exactly the routes' calls.
    assert sandbox.stats().pocketsflow.by_route == {
        "GET /products": 1,
        "GET /products/{id}": 3,
        "GET /orders": 2,
    }


async def test_example_reads_its_settings_from_the_environment(
    example: Example, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCKETSFLOW_API_KEY", sandbox.pocketsflow_test_key)
    monkeypatch.setenv("POCKETSFLOW_BASE_URL", sandbox.pocketsflow_url)
    app = example.load().create_app(rate_limit=None)
    async with example.get_products(app) as response:
        assert response.status == 200
        assert len(await response.json()) == len(list(sandbox.pocketsflow.dump("products")))


async def test_example_answers_502_when_the_api_is_unreachable(example: Example) -> None:
    app = example.load().create_app(
        api_key="pk_test_Unreachable0123456789",
        base_url=f"http://127.0.0.1:{free_port()}",
        rate_limit=None,
        max_retries=0,
    )
    async with example.get_products(app) as response:
        assert response.status == 502
        assert await response.json() == {"error": "upstream unavailable"}


async def test_example_answers_503_at_once_when_the_budget_is_spent(
    example: Example, sandbox: Sandbox
) -> None:
    module = example.load()
    options = client_options(sandbox)
    options["rate_limit"] = RateLimit(requests=1, period=600, max_wait=module.MAX_WAIT)
    app = module.create_app(**options)
    async with example.serving(app) as base_url, aiohttp.ClientSession(base_url) as http:
        async with http.get("/products") as response:
            assert response.status == 200
        async with http.get("/products") as response:
            assert response.status == 503
            assert int(response.headers["Retry-After"]) >= 600
    assert sandbox.stats().pocketsflow.by_route == {"GET /products": 1}


def test_examples_are_installable_as_the_readme_says() -> None:
    """The FastAPI app's dependencies are the ``examples`` extra; the aiohttp app binds the
    loopback address by default, on a port the sandbox does not take."""
    import tomllib

    project = tomllib.loads((EXAMPLES.parent / "pyproject.toml").read_text())["project"]
    extra = {re.split("[<>=]", req)[0] for req in project["optional-dependencies"]["examples"]}
    assert {"fastapi", "uvicorn"} <= extra
    assert "pip install '.[examples]'" in (EXAMPLES.parent / "README.md").read_text()
    source = (EXAMPLES / "aiohttp_app.py").read_text()
    assert 'os.environ.get("HOST", "127.0.0.1")' in source
    assert 'os.environ.get("PORT", "8090")' in source
