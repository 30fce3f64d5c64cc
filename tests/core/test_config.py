"""The client options (checked once, for the constructors and ``with_options`` alike) and the
API profile each client hands its transport (key variable, key prefix, error dialect)."""

from __future__ import annotations

import re

import attrs
import pytest

from _loopback import KEY, answering, make_transport, op, serve
from storeflow import Pocketsflow, Reflow, Timeout, errors
from storeflow._config import ApiProfile, ClientOptions, ErrorDialect


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", 0),
        ("max_retries", -1),
        ("max_connections", 0),
        ("max_response_size", True),
        ("headers", {"Authorization": "Bearer x"}),
        ("rate_limit", "fast"),
    ],
)
def test_options_are_checked_when_built_and_when_changed(option: str, value: object) -> None:
    with pytest.raises(errors.ValidationError) as built:
        ClientOptions(**{option: value})
    assert built.value.argument == option
    with pytest.raises(errors.ValidationError) as changed:
        attrs.evolve(ClientOptions(), **{option: value})
    assert changed.value.argument == option


def test_a_bare_number_bounds_connecting_and_the_whole_attempt() -> None:
    assert ClientOptions(timeout=5).timeout == Timeout(connect=5, total=5)


async def test_both_clients_build_their_transport_from_the_same_options() -> None:
    async with (
        Pocketsflow(KEY, timeout=3, max_retries=1, headers={"X-Team": "a"}) as pf,
        Reflow(1, KEY, timeout=3, max_retries=1, headers={"X-Team": "a"}) as rf,
    ):
        options = ClientOptions(timeout=3, max_retries=1, headers={"X-Team": "a"})
        assert pf._transport.options == rf._transport.options == options
        view = pf.with_options(max_retries=0, headers={"X-Other": "b"})
        assert view._transport.options == attrs.evolve(
            options, max_retries=0, headers={"X-Team": "a", "X-Other": "b"}
        )


async def test_the_error_message_is_read_in_the_api_s_dialect() -> None:
    body = {"detail": "the API's own words", "message": "a generic message"}
    dialect = ApiProfile(errors=ErrorDialect(message_keys=("detail", "message")))
    async with (
        serve(answering(body, status=400)) as server,
        make_transport(server.url, api=dialect) as own,
        make_transport(server.url) as default,
    ):
        with pytest.raises(errors.BadRequestError) as in_its_dialect:
            await own.call(op())
        with pytest.raises(errors.BadRequestError) as in_the_default:
            await default.call(op())
    assert in_its_dialect.value.message == "the API's own words"
    assert in_the_default.value.message == "a generic message"


def test_the_key_prefix_shown_is_the_api_s() -> None:
    prefixed = ApiProfile(key_prefix=re.compile("sk_"))
    assert "api_key='sk_…6789'" in repr(
        make_transport("https://a.test", api=prefixed, api_key="sk_" + KEY[8:]).thing
    )
    # Pocketsflow shows its mode prefix; Reflow keys have none, so only the tail shows.
    assert "api_key='pk_test_…6789'" in repr(Pocketsflow(KEY))
    assert "api_key='…6789'" in repr(Reflow(1, KEY))


def test_a_missing_key_is_read_from_the_api_s_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREFLOW_TEST_KEY", KEY)
    assert ApiProfile(key_env="STOREFLOW_TEST_KEY").api_key(None) == KEY
    assert ApiProfile().api_key(None) is None
    with pytest.raises(errors.ValidationError, match="whitespace"):
        ApiProfile().api_key("pk_test_ key")
