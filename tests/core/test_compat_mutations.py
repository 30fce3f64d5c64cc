"""Forward compatibility, one change at a time: each reference payload mutated at every place in
each way a real API drifts (an unknown field, a new enum value, a null, a boolean as a string, an
integer as a float, a number as a string, another date spelling, a unix time, a value that cannot
be read). The default client decodes it and keeps the value (coerced, or raw in ``extra``); a
``strict=True`` client raises ``DecodeError`` naming the model and the field.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import typing
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from types import NoneType, UnionType
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _compat_payloads import CASES, Answer, call
from _loopback import Server, serve
from storeflow import DecodeError, Model, _serde
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf

# -- one change at a time: every reference payload, every place, every way ----------------------


@attrs.frozen
class Place:
    """A member of an object inside a payload, and what its model says about it."""

    path: tuple[str | int, ...]  # keys and indexes from the payload's root to the object
    wire: str
    model: type
    attribute: str
    annotation: Any


def _inner(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether it allowed ``None``."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, UnionType) and NoneType in args:
        rest = [a for a in args if a is not NoneType]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True  # noqa: UP007
    return annotation, False


def _places(value: Any, annotation: Any, path: tuple[str | int, ...]) -> Iterator[Place]:
    annotation, _ = _inner(annotation)
    if typing.get_origin(annotation) is list and isinstance(value, list):
        (item,) = typing.get_args(annotation)
        for index, entry in enumerate(value):
            yield from _places(entry, item, (*path, index))
    elif isinstance(annotation, type) and attrs.has(annotation) and isinstance(value, dict):
        hints = typing.get_type_hints(annotation)
        for a in _serde.wire_fields(annotation):
            wire = a.metadata["wire"]
            if wire in value:
                yield Place(path, wire, annotation, a.name, hints[a.name])
                yield from _places(value[wire], hints[a.name], (*path, wire))


def _union(inner: Any) -> tuple[Any, ...]:
    return typing.get_args(inner) if typing.get_origin(inner) in (typing.Union, UnionType) else ()


def _accepts_str(inner: Any) -> bool:
    return inner is str or str in _union(inner)


def _is_enum(inner: Any) -> bool:
    return any(isinstance(a, type) and issubclass(a, Enum) for a in _union(inner))


@attrs.frozen
class Mutation:
    """One change to one reference payload, and what decoding it must give."""

    case: str
    kind: str
    place: Place
    new: Any  # the value written (or, for an unknown field, the value of the new member)
    expected: Any  # the attribute afterwards; RAW means None with the raw value in extra
    strict_fails: bool


RAW = object()
UNKNOWN = "zzAddedByTheApi"


def _mutations_at(case: str, place: Place, old: Any) -> Iterator[Mutation]:
    inner, nullable = _inner(place.annotation)

    def make(kind: str, new: Any, expected: Any, strict_fails: bool = True) -> Mutation:
        return Mutation(case, kind, place, new, expected, strict_fails)

    yield make("null", None, None, strict_fails=not nullable)
    unreadable: Any = {"unexpected": [1]} if _accepts_str(inner) else "\x00unreadable"
    yield make("unreadable", unreadable, RAW)
    if _is_enum(inner) and isinstance(old, str):
        yield make("new enum value", "brand_new_value", "brand_new_value")
    if inner is bool and isinstance(old, bool):
        yield make("bool as string", "true" if old else "false", old)
    is_int = isinstance(old, int) and not isinstance(old, bool)
    if is_int and (inner is int or set(_union(inner)) == {int, str}):
        yield make("int as float", float(old), old)
        if inner is int:
            yield make("number as string", str(old), old)
    if inner is Decimal and isinstance(old, int | float):
        exact = Decimal(repr(old)) if isinstance(old, float) else Decimal(old)
        yield make("number as string", str(exact), exact)
    if inner is dt.datetime and isinstance(old, str):
        when = dt.datetime.fromisoformat(old)
        shifted = when.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        yield make("date spelling", shifted.isoformat(), when, strict_fails=False)
        yield make("date spelling", when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), when, False)
        day = when.date().isoformat()
        yield make("date spelling", day, dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC))
        seconds = int(when.timestamp())
        yield make("unix time", seconds, when)
        yield make("unix time", seconds * 1000, when)
    if inner is int and place.wire in ("created", "last_billing", "next_billing", "cancel_at"):
        # A Reflow timestamp (unix seconds) spelled as ISO 8601: kept raw, never guessed at.
        iso = dt.datetime.fromtimestamp(old, dt.UTC).isoformat()
        yield make("date spelling", iso, RAW)


def _at(payload: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        payload = payload[step]
    return payload


def all_mutations() -> list[Mutation]:
    result = []
    for case, (_, _, payload) in sorted(CASES.items()):
        for place in _places(payload, _RESULTS[case], ()):
            old = _at(payload, place.path)[place.wire]
            result.extend(_mutations_at(case, place, old))
        for place in _objects(payload, _RESULTS[case]):
            result.append(Mutation(case, "unknown field", place, {"new": True}, None, True))
    return result


def _objects(value: Any, annotation: Any) -> Iterator[Place]:
    """A place for every object of the payload (the unknown member is added to it)."""
    root = _inner(annotation)[0]
    if isinstance(root, type) and attrs.has(root) and isinstance(value, dict):
        yield Place((), UNKNOWN, root, "", None)
    seen: set[tuple[str | int, ...]] = set()
    for place in _places(value, annotation, ()):
        inner = _inner(place.annotation)[0]
        targets = []
        if isinstance(inner, type) and attrs.has(inner):
            targets = [((*place.path, place.wire), inner)]
        elif typing.get_origin(inner) is list:
            (item,) = typing.get_args(inner)
            entries = _at(value, place.path)[place.wire]
            if isinstance(item, type) and attrs.has(item) and isinstance(entries, list):
                targets = [((*place.path, place.wire, i), item) for i in range(len(entries))]
        for path, model in targets:
            if path not in seen and isinstance(_at(value, path), dict):
                seen.add(path)
                yield Place(path, UNKNOWN, model, "", None)


#: The typed result of each call, for walking its payload.
_RESULTS: dict[str, Any] = {
    "pf.products.list": list[pf.Product],
    "pf.products.get": pf.Product,
    "pf.orders.list": pf.OrderPage,
    "pf.orders.get": pf.OrderDetail,
    "pf.users.me": pf.User,
    "pf.customers.list": list[pf.Customer],
    "pf.reviews.list": list[pf.Review],
    "pf.discounts.list": list[pf.Discount],
    "pf.upsells.list": pf.UpsellList,
    "rf.products.list": rf.ProductPage,
    "rf.products.get": rf.Product,
    "rf.categories.list": list[rf.Category],
    "rf.users.get": rf.User,
    "rf.plans.get": rf.Plan,
    "rf.plans.list": rf.PlanList,
    "rf.orders.list": rf.OrderPage,
}


MUTATIONS = all_mutations()
KINDS = (
    "unknown field",
    "new enum value",
    "null",
    "bool as string",
    "int as float",
    "number as string",
    "date spelling",
    "unix time",
    "unreadable",
)


def apply(mutation: Mutation) -> Any:
    payload = copy.deepcopy(CASES[mutation.case][2])
    target = _at(payload, mutation.place.path)
    target[mutation.place.wire] = mutation.new
    return payload


def _walk(node: Any, path: tuple[str | int, ...]) -> Any:
    """Follow wire names and indexes through typed results."""
    for step in path:
        if isinstance(step, int):
            node = node[step]
        else:
            wires = {a.metadata["wire"]: a.name for a in _serde.wire_fields(type(node))}
            node = getattr(node, wires[step])
    return node


def assert_kept(obj: Any, mutation: Mutation) -> None:
    """The model ``obj`` that the mutated member belongs to kept the mutated value."""
    place = mutation.place
    if mutation.kind == "unknown field":
        assert obj.extra[UNKNOWN] == mutation.new
        return
    value = getattr(obj, place.attribute)
    if mutation.expected is RAW:
        assert value is None
        assert obj.extra[place.wire] == mutation.new
    else:
        assert value == mutation.expected
        assert type(value) is type(mutation.expected) or isinstance(value, Enum)
        assert place.wire not in obj.extra


def _skipped_by_the_method(case: str) -> int:
    """How many leading steps of a payload path the public method's result leaves out (a page
    and a plan list return their records, not the envelope)."""
    payload = CASES[case][2]
    return 1 if isinstance(payload, dict) and _RESULTS[case] in _ENVELOPES else 0


_ENVELOPES = (pf.OrderPage, rf.ProductPage, rf.OrderPage, rf.PlanList)


def test_the_mutations_cover_every_kind_on_every_payload() -> None:
    counts = {kind: sum(m.kind == kind for m in MUTATIONS) for kind in KINDS}
    assert all(counts.values()), counts
    assert {m.case for m in MUTATIONS} == set(CASES)
    # 1,244 over 16 payloads when written: 447 nulls, 447 unreadable values, 92 numbers as
    # strings, 84 integers as floats, 67 unknown fields, 42 booleans as strings, 32 date
    # spellings, 17 new enum values, 16 unix times; 920 of them leave the schema (strict
    # mode must refuse those) and 1,126 show in a public method's result.
    assert len(MUTATIONS) > 1000, counts
    assert len(PUBLIC) > 900


@pytest.mark.parametrize("kind", KINDS)
def test_every_mutation_decodes_liberally_and_fails_strictly(kind: str) -> None:
    """Each mutation of its kind, decoded as the clients decode a body (the JSON bytes)."""
    for mutation in (m for m in MUTATIONS if m.kind == kind):
        body = orjson.dumps(apply(mutation))
        cls = _RESULTS[mutation.case]
        assert_kept(_walk(_serde.decode(body, cls), mutation.place.path), mutation)
        if mutation.strict_fails:
            with pytest.raises(DecodeError) as caught:
                _serde.decode(body, cls, strict=True)
            assert caught.value.model is not None
            named = (caught.value.field or "").rsplit(".", 1)[-1].split("[")[0]
            assert named in (mutation.place.attribute or UNKNOWN, mutation.place.wire), mutation
        else:
            _serde.decode(body, cls, strict=True)


#: The mutations the public methods' results show (a page's records, not its envelope).
PUBLIC = [
    m
    for m in MUTATIONS
    if not _skipped_by_the_method(m.case) or m.place.path[:1] in (("orders",), ("data",))
]


@pytest.fixture(scope="module")
def loop_server() -> Iterator[tuple[asyncio.Runner, Server, Answer]]:
    """One server for the property test, on a loop the (synchronous) examples run on."""
    answer = Answer()
    with asyncio.Runner() as runner:
        context = serve(answer.handler)
        running = runner.run(context.__aenter__())
        try:
            yield runner, running, answer
        finally:
            runner.run(context.__aexit__(None, None, None))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutation=st.sampled_from(PUBLIC))
def test_a_mutated_reference_payload_through_the_public_call(
    loop_server: tuple[asyncio.Runner, Server, Answer], mutation: Mutation
) -> None:
    runner, running, answer = loop_server
    answer.set(apply(mutation))
    result = runner.run(call(running.url, mutation.case))
    records = result if isinstance(result, Model) else list(result)
    skip = _skipped_by_the_method(mutation.case)
    assert_kept(_walk(records, mutation.place.path[skip:]), mutation)
    if mutation.strict_fails:
        with pytest.raises(DecodeError) as caught:
            runner.run(call(running.url, mutation.case, strict=True))
        assert caught.value.model is not None
        assert caught.value.field is not None
        assert caught.value.path is not None  # the request is named too
    else:
        runner.run(call(running.url, mutation.case, strict=True))
