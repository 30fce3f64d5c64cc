"""Where a secret could show: the forms in which a server may echo a key, and every text an
exception carries (message, repr, attributes, pickle, the chain with storeflow's frame locals)."""

from __future__ import annotations

import json
import os
import pickle
import traceback
from urllib.parse import quote, quote_plus


def encodings(key: str) -> dict[str, str]:
    """The forms in which a server may echo ``key``."""
    return {
        "raw": key,
        "json": json.dumps(key, ensure_ascii=False)[1:-1],
        "json-ascii": json.dumps(key)[1:-1],
        "json-slash": json.dumps(key)[1:-1].replace("/", "\\/"),
        "percent": quote(key, safe=""),
        "percent-lower": quote(key, safe="").lower(),
        "percent-form": quote_plus(key),
    }


def leaks(key: str, text: str) -> list[str]:
    """Which encodings of ``key`` appear in ``text``."""
    return [name for name, form in encodings(key).items() if form in text]


def everything_about(exc: BaseException) -> str:
    """Message, repr, attributes, pickle and the whole chain with frame locals."""
    parts = [str(exc), repr(exc)]
    parts.extend(repr(v) for v in vars(exc).values())
    parts.append(pickle.dumps(exc).decode("latin-1"))
    parts.append(pickle.dumps(exc).decode("utf-8", "replace"))
    link: BaseException | None = exc
    while link is not None:
        parts.append(repr(link))
        # The locals of storeflow's own frames, as `traceback`'s capture_locals shows them (the
        # test's frames hold the server's record of the request, which is not storeflow's).
        frames = traceback.StackSummary.extract(
            traceback.walk_tb(link.__traceback__), capture_locals=True
        )
        parts.extend(
            "".join(frames.format_frame_summary(f))
            for f in frames
            if f"{os.sep}storeflow{os.sep}" in f.filename
        )
        link = link.__cause__ or link.__context__
    return "\n".join(parts)
