"""Masking the API key in response text: every form, in ASCII text and beyond it.

``Transport.redact`` rules a text out with a plain search before its case-insensitive one; the
forms a server may echo must all still be masked, however their letters are cased and whatever
else the text holds.
"""

from __future__ import annotations

import html
import json
from urllib.parse import quote, quote_plus

import orjson
import pytest

from storeflow._config import ClientOptions
from storeflow._transport import Transport
from storeflow.pocketsflow.client import API

# A key holds no whitespace (the clients refuse it), but any other character a server escapes.
KEYS = ["pk_test_4aa8e5895303f4d16e735aff", "pk_live_Ab/Cd+Ef&Gh\"Ij<Kl>Mn'Op%é~x.y-z"]


def _forms(key: str) -> list[str]:
    forms = {
        key,
        orjson.dumps(key).decode()[1:-1],
        json.dumps(key)[1:-1],
        quote(key, safe=""),
        quote(key),
        quote_plus(key),
        html.escape(key),
    }
    forms |= {f.replace("/", "\\/") for f in list(forms)}
    return sorted(forms | {f.upper() for f in forms} | {f.lower() for f in forms})


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("around", ["ascii", "non-ascii"])
def test_every_form_of_the_key_is_masked(key: str, around: str) -> None:
    transport = Transport(
        base_url="http://127.0.0.1:1", api=API, api_key=key, options=ClientOptions(rate_limit=None)
    )
    filler = '{"name": "plain"}' if around == "ascii" else '{"name": "Zoë"}'
    for form in _forms(key):
        text = f"{filler}{form}{filler}"
        masked = transport.redact(text)
        assert form not in masked, form
        assert masked.startswith(filler)
        assert masked.endswith(filler)


@pytest.mark.parametrize("around", ["ascii", "non-ascii"])
def test_a_text_without_the_key_is_unchanged(around: str) -> None:
    transport = Transport(
        base_url="http://127.0.0.1:1",
        api=API,
        api_key=KEYS[0],
        options=ClientOptions(rate_limit=None),
    )
    text = (
        '{"orders": [{"_id": "pk_test_4aa8e58", "name": "'
        + ("x" if around == "ascii" else "é")
        + '"}]}'
    )
    assert transport.redact(text) == text
