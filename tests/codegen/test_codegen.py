"""`python -m codegen`: the committed modules match the schemas, and generation follows them."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GENERATED = [
    Path("pocketsflow/models.py"),
    Path("pocketsflow/_operations.py"),
    Path("pocketsflow/_params.py"),
    Path("reflow/models.py"),
    Path("reflow/_operations.py"),
    Path("pocketsflow/_webhooks.py"),
    Path("reflow/_webhooks.py"),
    Path("reflow/_params.py"),
    Path("pocketsflow/_responses.py"),
    Path("reflow/_responses.py"),
]


def _codegen(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@contextlib.contextmanager
def _edited(schemas: Path, api: str) -> Iterator[dict[str, Any]]:
    """Copy the schemas into ``schemas`` and give ``api``'s document to change; the block's
    changes are written back to the copy."""
    shutil.copytree(REPO / "schemas", schemas, dirs_exist_ok=True)
    schema = schemas / f"{api}.yaml"
    document = yaml.safe_load(schema.read_text(encoding="utf-8"))
    yield document
    schema.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def changed_schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the schemas where Pocketsflow's Order gained an optional `couponCode`."""
    schemas = tmp_path_factory.mktemp("schemas")
    with _edited(schemas, "pocketsflow") as document:
        document["components"]["schemas"]["Order"]["properties"]["couponCode"] = {
            "type": ["string", "null"],
            "description": "The discount code used.",
        }
    return schemas


def test_committed_modules_are_current() -> None:
    result = _codegen("--check")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_generated_modules_say_how_to_regenerate() -> None:
    for path in GENERATED:
        head = (REPO / "src" / "storeflow" / path).read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith(
            f"# Generated from schemas/{path.parts[0]}.yaml by `python -m codegen`"
        )
        assert "regenerate with `python -m codegen`" in head[1]


def test_a_schema_change_changes_the_model(changed_schemas: Path, tmp_path: Path) -> None:
    result = _codegen("--schema-dir", changed_schemas, "--out-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    models = (tmp_path / "pocketsflow" / "models.py").read_text(encoding="utf-8")
    committed = (REPO / "src/storeflow/pocketsflow/models.py").read_text(encoding="utf-8")
    added = 'coupon_code: str | None = field(default=None, metadata={"wire": "couponCode"})'
    assert added in models
    assert added not in committed
    # Only Order (and what inherits it) gained the field; the other modules are unchanged.
    for path in GENERATED[1:]:
        assert (tmp_path / path).read_bytes() == (REPO / "src" / "storeflow" / path).read_bytes()


def test_check_names_each_stale_file(changed_schemas: Path) -> None:
    result = _codegen("--check", "--schema-dir", changed_schemas)
    assert result.returncode == 1
    stale = [line for line in result.stderr.splitlines() if line.startswith("stale: ")]
    assert len(stale) == 1
    assert str(Path("pocketsflow", "models.py")) in stale[0]


def test_generation_is_deterministic(tmp_path: Path) -> None:
    # The committed modules came from an earlier run: a fresh run must write the same bytes.
    result = _codegen("--out-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    for path in GENERATED:
        assert (tmp_path / path).read_bytes() == (REPO / "src" / "storeflow" / path).read_bytes()


def test_a_webhook_without_a_generated_model_is_a_generation_error(tmp_path: Path) -> None:
    with _edited(tmp_path, "reflow") as document:
        body = document["webhooks"]["products.changed"]["post"]["requestBody"]
        body["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nope"}
    result = _codegen("--check", "--schema-dir", tmp_path)
    assert result.returncode == 2
    assert "webhook 'products.changed'" in result.stderr
    assert "#/components/schemas/Nope is not a generated model" in result.stderr


def test_a_schema_bound_becomes_the_argument_rule(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    with _edited(schemas, "reflow") as document:
        document["components"]["parameters"]["PerPage"]["schema"]["maximum"] = 50
    result = _codegen("--schema-dir", schemas, "--out-dir", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    params = (tmp_path / "out" / "reflow" / "_params.py").read_text(encoding="utf-8")
    committed = (REPO / "src/storeflow/reflow/_params.py").read_text(encoding="utf-8")
    rule = 'name="perpage", location="query", types=("integer",), minimum=1, maximum={}'
    assert rule.format(50) in params
    assert rule.format(100) in committed


def test_an_answer_without_a_generated_model_is_a_generation_error(tmp_path: Path) -> None:
    with _edited(tmp_path, "reflow") as document:
        answer = document["paths"]["/projects/{projectId}/categories/"]["get"]["responses"]["200"]
        answer["content"]["application/json"]["schema"] = {
            "type": "array",
            "items": {"type": "object"},
        }
    result = _codegen("--check", "--schema-dir", tmp_path)
    assert result.returncode == 2
    assert "the answer of GET /projects/{projectId}/categories/" in result.stderr
    assert "None is not a generated model" in result.stderr


def test_a_schema_of_an_unlisted_api_is_a_generation_error(tmp_path: Path) -> None:
    # The APIs come from storeflow._apis.API_NAMES; a schema beside them is not silently ignored.
    shutil.copytree(REPO / "schemas", tmp_path, dirs_exist_ok=True)
    shutil.copy(tmp_path / "reflow.yaml", tmp_path / "otherflow.yaml")
    result = _codegen("--check", "--schema-dir", tmp_path)
    assert result.returncode == 2
    assert "otherflow.yaml" in result.stderr
    assert "_apis.py" in result.stderr


def test_the_apis_are_those_the_sdk_lists() -> None:
    # codegen is run from the repository root (as nox and CI do), not installed.
    from storeflow._apis import API_NAMES

    code = "import codegen; print(list(codegen.api_names()))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == repr(list(API_NAMES))
