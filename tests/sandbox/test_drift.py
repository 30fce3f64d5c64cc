"""Drift mode: the sandbox answers as real APIs drift from their schemas, and tolerant clients and
the export give the same records as against the schema-exact sandbox.

The resource, pagination and export scenarios below run twice against one sandbox, drift off
then on (non-strict clients), and every record is compared value by value: equal after
coercion, a new enum value kept as its string, unknown members kept in ``extra``. The drift
counts prove that each kind of drift happened in the answers compared. The sandbox's own schema
check (the ``response_log`` of every fixture sandbox) still sees every answer as the schema
states it, and fails the test otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import ClientSession

from _export_tools import MODELS, SMALL, check_csv, clients, read_jsonl
from conftest import ResponseLog, SandboxFactory
from storeflow import Pocketsflow, Reflow
from storeflow._serde import wire_fields
from storeflow.errors import DecodeError
from storeflow.export import export_all
from storeflow.pagination import Page
from storeflow.sandbox import DRIFT_KINDS, Drift, Sandbox
from storeflow.sandbox._drift import new_enum_value

DRIFT = Drift(seed=11)

Scenario = Callable[[Pocketsflow, Reflow], Awaitable[list[Any]]]


class Tally:
    """What the comparison met: values compared, and drift that a tolerant decode keeps."""

    def __init__(self) -> None:
        self.values = 0
        self.new_enum_values = 0
        self.unknown_members = 0


def same(normal: Any, drifted: Any, where: str, tally: Tally) -> None:
    """Assert that ``drifted`` (decoded from a drifted answer) is ``normal``: the same values of
    the same types, except an enum value replaced by :func:`new_enum_value` (kept as that string)
    and members the model does not declare added to ``extra`` (kept as sent)."""
    tally.values += 1
    if attrs.has(type(normal)):
        assert type(drifted) is type(normal), where
        for attribute in attrs.fields(type(normal)):
            # Fields outside equality (a page's fetch function) are not the record's values.
            if attribute.name != "extra" and attribute.eq:
                name = attribute.name
                same(getattr(normal, name), getattr(drifted, name), f"{where}.{name}", tally)
        if hasattr(normal, "extra"):
            wires = {field.metadata["wire"] for field in wire_fields(type(normal))}
            for key, value in normal.extra.items():
                assert drifted.extra.get(key, KeyError) == value, f"{where}.extra[{key!r}]"
            added = drifted.extra.keys() - normal.extra.keys()
            assert not added & wires, f"{where}: a declared field fell into extra: {added}"
            tally.unknown_members += len(added)
    elif isinstance(normal, enum.Enum):
        if drifted is not normal:
            assert drifted == new_enum_value(normal.value), where
            assert type(drifted) is str, where
            tally.new_enum_values += 1
    elif isinstance(normal, list):
        assert isinstance(drifted, list), where
        assert len(drifted) == len(normal), where
        for index, (a, b) in enumerate(zip(normal, drifted, strict=True)):
            same(a, b, f"{where}[{index}]", tally)
    else:
        assert drifted == normal, where
        assert type(drifted) is type(normal), where  # coerced to the declared type


async def read(resource: Any, *, iterate: bool = False) -> list[Any]:
    """``resource``'s first list answer, every record through ``iter()`` when ``iterate``, and
    the first record fetched by id."""
    listed = await resource.list()
    first = (listed.items if isinstance(listed, Page) else listed)[0]
    iterated = [[record async for record in resource.iter()]] if iterate else []
    return [listed, *iterated, await resource.get(first.id)]


async def pocketsflow_scenario(pf: Pocketsflow, _rf: Reflow) -> list[Any]:
    return [
        *await read(pf.products),
        *await read(pf.orders, iterate=True),
        *await read(pf.customers),
        await pf.reviews.list(),
        *await read(pf.discounts),
        await pf.upsells.list(),
        await pf.users.me(),
        *await read(pf.subscriptions, iterate=True),
    ]


async def reflow_scenario(_pf: Pocketsflow, rf: Reflow) -> list[Any]:
    return [
        *await read(rf.products, iterate=True),
        *await read(rf.categories),
        *await read(rf.orders, iterate=True),
        *await read(rf.users, iterate=True),
        *await read(rf.plans),
    ]


async def run_twice(sb: Sandbox, scenario: Scenario) -> tuple[list[Any], list[Any]]:
    """``scenario``'s results with drift off, then with :data:`DRIFT` on."""
    sb.drift = None
    async with clients(sb, strict=False) as (pf, rf):
        normal = await scenario(pf, rf)
    sb.drift = DRIFT
    async with clients(sb, strict=False) as (pf, rf):
        drifted = await scenario(pf, rf)
    return normal, drifted


def drift_counts(sb: Sandbox) -> dict[str, int]:
    stats = sb.stats()
    counts = dict(stats.pocketsflow.drift)
    for kind, count in stats.reflow.drift.items():
        counts[kind] = counts.get(kind, 0) + count
    return counts


@pytest.mark.parametrize("scenario", [pocketsflow_scenario, reflow_scenario])
async def test_resources_and_pagination_give_the_same_records_under_drift(
    sandbox_factory: SandboxFactory, response_log: ResponseLog, scenario: Scenario
) -> None:
    sb = await sandbox_factory(seed=5, scale=SMALL)
    normal, drifted = await run_twice(sb, scenario)
    tally = Tally()
    same(normal, drifted, scenario.__name__, tally)
    counts = drift_counts(sb)
    # The comparison met real drift: mutations in the answers, and in the decoded records.
    assert sum(counts.values()) > 100, counts
    assert tally.values > 5000
    assert tally.unknown_members > 0
    if scenario is reflow_scenario:  # Pocketsflow's one enum field per record is rarer
        assert tally.new_enum_values > 0
    assert response_log.checked > 0
    assert not response_log.violations


async def test_every_kind_of_drift_happens(sandbox_factory: SandboxFactory) -> None:
    sb = await sandbox_factory(seed=5, scale=SMALL)

    async def both(pf: Pocketsflow, rf: Reflow) -> list[Any]:
        return [*await pocketsflow_scenario(pf, rf), *await reflow_scenario(pf, rf)]

    await run_twice(sb, both)
    counts = drift_counts(sb)
    assert set(counts) == set(DRIFT_KINDS), counts
    assert all(count > 0 for count in counts.values()), counts


async def test_drift_is_seeded_and_breaks_strict_clients(sandbox_factory: SandboxFactory) -> None:
    sb = await sandbox_factory(seed=5, scale=SMALL, drift=DRIFT)
    url = f"{sb.pocketsflow_url}/orders"
    headers = {"Authorization": f"Bearer {sb.pocketsflow_test_key}"}
    async with ClientSession() as session:

        async def body() -> bytes:
            async with session.get(url, headers=headers) as response:
                return await response.read()

        first, again = await body(), await body()
        sb.drift = Drift(seed=12)
        other = await body()
        sb.drift = None
        plain = await body()
    assert first == again  # the same seed drifts the same way
    assert other != first
    assert plain not in (first, other)
    # A strict client refuses what the drift sends: the answers really left the schema.
    sb.drift = DRIFT
    async with clients(sb, strict=True) as (pf, _rf):
        with pytest.raises(DecodeError):
            await pf.orders.list()


async def test_export_gives_the_same_records_under_drift_and_csv_keeps_them(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sb = await sandbox_factory(seed=5, scale=SMALL)
    runs: dict[str, list[Any]] = {}
    for label, drift, format in [("normal", None, "jsonl"), ("drift", DRIFT, "jsonl")]:
        sb.drift = drift
        async with clients(sb, strict=False) as (pf, rf):
            runs[label] = [
                *await export_all(pf, tmp_path / label, format=format),
                *await export_all(rf, tmp_path / label, format=format),
            ]
    sb.drift = DRIFT
    async with clients(sb, strict=False) as (pf, rf):
        csv_run = [
            *await export_all(pf, tmp_path / "csv", format="csv"),
            *await export_all(rf, tmp_path / "csv", format="csv"),
        ]
    tally = Tally()
    for normal, drifted, in_csv in zip(runs["normal"], runs["drift"], csv_run, strict=True):
        name = f"{normal.api} {normal.collection}"
        assert drifted.records == normal.records > 0, name
        assert drifted.duplicates == 0, name
        assert not drifted.mismatch, name
        model = MODELS[normal.api][normal.collection]
        plain, raw = read_jsonl(normal.path), read_jsonl(drifted.path)
        assert raw != plain, f"{name}: drift changed no record"
        for index, (a, b) in enumerate(zip(plain, raw, strict=True)):
            decoded = model.from_dict(b)
            same(model.from_dict(a), decoded, f"{name}[{index}]", tally)
            # Unknown members are kept exactly as sent.
            wires = {field.metadata["wire"] for field in wire_fields(model)}
            assert decoded.extra == {k: v for k, v in b.items() if k not in wires}, name
        # The CSV of the same drifted answers carries each drifted record whole.
        check_csv(in_csv.path, raw, model)
    assert tally.unknown_members > 0
    assert tally.new_enum_values > 0
    assert sum(drift_counts(sb).values()) > 100


def test_drift_refuses_bad_options() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Drift(rate=1.5)
    with pytest.raises(ValueError, match="unknown drift kinds"):
        Drift(kinds=frozenset({"nope"}))  # type: ignore[arg-type]
