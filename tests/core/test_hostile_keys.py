"""Property: whatever the key (printable ASCII and beyond), a server that echoes it in every
encoding it can (raw, JSON-escaped, percent-encoded, in headers) gets it into no storeflow
exception, repr, pickle, log line (DEBUG, the ``storeflow`` and ``aiohttp`` loggers) or export
file."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from _leak_checks import encodings, everything_about, leaks
from _loopback import serve
from storeflow import Reflow, StoreflowError
from storeflow.export import export

#: Printable characters from every range (letters, symbols, punctuation, CJK, emoji), none of
#: them whitespace: what a Reflow key may hold.
KEYS = st.text(
    st.characters(
        exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
        max_codepoint=0x1FFFF,
    ),
    min_size=12,
    max_size=40,
).map(lambda tail: f"rf_{tail}")


def _key(request: web.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def _echo_headers(key: str) -> dict[str, str]:
    headers = {"x-request-id": quote(key, safe=""), "x-echo-json": encodings(key)["json-ascii"]}
    if key.isascii():
        headers["request-id"] = key  # raw, where a header can carry it
    return headers


async def refused(request: web.Request) -> web.Response:
    key = _key(request)
    forms = encodings(key)
    body = {"message": f"invalid key {key}", "echo": forms, "raw": key}
    return web.json_response(body, status=401, headers=_echo_headers(key))


async def plain(request: web.Request) -> web.Response:
    key = _key(request)
    text = "\n".join(f"{name}: {form}" for name, form in encodings(key).items())
    return web.Response(status=503, text=text, headers=_echo_headers(key))


async def garbage(request: web.Request) -> web.Response:
    key = _key(request)
    return web.Response(
        body=f'{{"data": [{{"id": 1, "email": "{key}'.encode(), content_type="application/json"
    )


async def users(request: web.Request) -> web.Response:
    key = _key(request)
    forms = encodings(key)
    data = [
        {"id": i, "email": form, "name": key, "meta": {"echo": form}, "unknown": [form]}
        for i, form in enumerate(forms.values(), start=1)
    ]
    meta = {"total": len(data), "last_page": 1, "current_page": 1, "per_page": 100}
    return web.json_response({"data": data, "meta": meta}, headers=_echo_headers(key))


ROUTES = {
    "/v2/refused": refused,
    "/v2/plain": plain,
    "/v2/garbage": garbage,
    "/v2/projects/1/users/": users,
}


async def scenario(key: str, folder: Path) -> tuple[list[BaseException], list[Path]]:
    """Provoke every echo; return the exceptions storeflow raised and the files it wrote."""
    caught: list[BaseException] = []
    files = []
    async with (
        serve(ROUTES) as server,
        Reflow(1, api_key=key, base_url=server.url + "/v2", rate_limit=None, max_retries=0) as rf,
    ):
        caught.append(rf)  # type: ignore[arg-type] - its repr is searched too
        for path in ("/refused", "/plain", "/garbage"):
            try:
                await rf.request("GET", path)
            except StoreflowError as exc:
                caught.append(exc)
        for format in ("jsonl", "csv"):
            out = folder / f"users.{format}"
            await export(rf, "users", out, format=format, overwrite=True)  # type: ignore[arg-type]
            files.append(out)
    assert len(caught) == 4, "every echo must have raised"
    return caught, files


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=KEYS)
def test_no_encoding_of_any_key_leaks_anywhere(
    key: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assume(key.isprintable() and not any(c.isspace() for c in key))
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("aiohttp").setLevel(logging.DEBUG)
        try:
            caught, files = asyncio.run(scenario(key, tmp_path))
        finally:
            logging.getLogger("aiohttp").setLevel(logging.NOTSET)
    texts: list[str] = []
    for item in caught:
        texts.append(everything_about(item) if isinstance(item, BaseException) else repr(item))
    logged = [r for r in caplog.records if r.name.split(".")[0] in ("storeflow", "aiohttp")]
    assert any(r.name == "storeflow" for r in logged), "DEBUG lines were captured"
    texts.extend(r.getMessage() for r in logged)
    texts.extend(f.read_bytes().decode("utf-8") for f in files)
    for text in texts:
        assert leaks(key, text) == [], text[:300]
    # The exports kept every record, the key masked.
    assert files[0].read_bytes().count(b"\n") == len(encodings(key))


def test_the_property_would_see_a_leak() -> None:
    # The search is not blind: an unmasked echo of each form is found.
    key = 'rf_"odd\\key/é😀%'
    for form in encodings(key).values():
        assert leaks(key, f"x {form} y")
