"""The sandbox's pytest plugin: its entry point, its fixtures, and its message without
pytest-asyncio."""

from __future__ import annotations

import tomllib

import pytest

from _sandbox_tools import SRC, env_with_src

# -- the pytest plugin --------------------------------------------------------------------------


def test_pytest_plugin_is_registered() -> None:
    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text())
    entry_points = pyproject["project"]["entry-points"]["pytest11"]
    assert entry_points == {"storeflow_sandbox": "storeflow.sandbox.pytest_plugin"}


def test_pytest_plugin_fixtures(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        """
        import aiohttp
        import pytest
        from storeflow.sandbox import Sandbox, Scale

        started = []

        @pytest.mark.asyncio
        async def test_default(storeflow_sandbox):
            started.append(storeflow_sandbox)
            headers = {"Authorization": f"Bearer {storeflow_sandbox.pocketsflow_test_key}"}
            async with aiohttp.ClientSession() as session:
                url = f"{storeflow_sandbox.pocketsflow_url}/users/me"
                async with session.get(url, headers=headers) as response:
                    assert response.status == 200
            assert storeflow_sandbox.rate_limit == "fixed"

        @pytest.mark.asyncio
        async def test_factory(storeflow_sandbox_factory):
            first = await storeflow_sandbox_factory(seed=1, scale=Scale(orders=3))
            second = await storeflow_sandbox_factory(seed=2, rate_limit="off")
            started.extend([first, second])
            assert first.pocketsflow.state()["orders"] == 3
            assert first.pocketsflow_url != second.pocketsflow_url

        def test_all_stopped():
            assert len(started) == 3
            assert not any(sandbox.running for sandbox in started)

        def test_loaded_through_the_entry_point(request):
            plugin = request.config.pluginmanager.get_plugin("storeflow_sandbox")
            assert plugin is not None
            assert plugin.__name__ == "storeflow.sandbox.pytest_plugin"
        """
    )
    monkeypatch.setenv("PYTHONPATH", env_with_src()["PYTHONPATH"])
    # The installed package's pytest11 entry point must load the plugin by itself. (The slow
    # plugins this suite has installed are left out: they take seconds to load.)
    result = pytester.runpytest_subprocess(
        *("-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function"),
        *("-W", "error", "-p", "no:cacheprovider"),
        *("-p", "no:schemathesis", "-p", "no:hypothesispytest"),
    )
    result.assert_outcomes(passed=4)


def test_pytest_plugin_without_pytest_asyncio_says_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        # Shadows the installed package, as if it were not there.
        pytest_asyncio="raise ImportError('pytest-asyncio is not installed')",
        test_fixture="def test_fixture(storeflow_sandbox):\n    pass\n",
    )
    monkeypatch.setenv("PYTHONPATH", env_with_src()["PYTHONPATH"])
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "storeflow.sandbox.pytest_plugin")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the storeflow_sandbox fixture runs on the test's event loop and needs pytest-asyncio*"]
    )
