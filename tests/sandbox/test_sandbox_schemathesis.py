"""schemathesis against the running sandbox: both schemas, every operation, faults off.

For each operation a bounded number of generated requests (valid and invalid) goes to the
sandbox with a valid key; no answer may be a 5xx, and every answer must match the schema (its
status, content type, headers and body). The sandbox also checks each JSON answer against the
schemas itself (see conftest) and counts handler crashes, which fail the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from storeflow.sandbox import Sandbox

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
EXAMPLES_PER_OPERATION = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _schema(api: str) -> Any:
    schema = schemathesis.openapi.from_path(SCHEMAS / f"{api}.yaml")
    schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True)
    return schema


pocketsflow = _schema("pocketsflow")
reflow = _schema("reflow")


@pytest.fixture(scope="module")
def running(new_response_log: Callable[[], Any]) -> Iterator[tuple[Sandbox, Any]]:
    log = new_response_log()
    with Sandbox(seed=11, rate_limit="off", validate=log).running_in_thread() as sandbox:
        yield sandbox, log
        stats = sandbox.stats()
    assert stats.pocketsflow.internal_errors == 0
    assert stats.reflow.internal_errors == 0
    log.fail_if_violated()


_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pocketsflow.parametrize()
@_SETTINGS
def test_pocketsflow(case: Any, running: tuple[Sandbox, Any]) -> None:
    sandbox, _log = running
    case.call_and_validate(
        base_url=sandbox.pocketsflow_url,
        headers={"Authorization": f"Bearer {sandbox.pocketsflow_test_key}"},
        checks=CHECKS,
    )


@reflow.parametrize()
@_SETTINGS
def test_reflow(case: Any, running: tuple[Sandbox, Any]) -> None:
    sandbox, _log = running
    # The real project, so that requests reach its data (other projects are plain 404s).
    case.path_parameters = {**(case.path_parameters or {}), "projectId": sandbox.reflow_project_id}
    case.call_and_validate(
        base_url=sandbox.reflow_url,
        headers={"Authorization": f"Bearer {sandbox.reflow_api_key}"},
        checks=CHECKS,
    )
