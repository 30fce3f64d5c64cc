"""The exception tree: every storeflow exception keeps its attributes across pickling."""

from __future__ import annotations

import pickle

import pytest

from storeflow import errors


@pytest.mark.parametrize(
    "exc",
    [
        errors.ValidationError("per_page", "must be an integer from 1 to 100, got 500"),
        errors.DecodeError("Order.gross: expected a number", model="Order", field="gross"),
        errors.ConnectionError("connection failed", method="GET", path="/orders"),
        errors.TimeoutError("timed out", method="GET", path="/orders"),
        errors.WebhookSignatureError("mismatch", header="signature"),
        errors.api_error(404, "Not found", method="GET", path="/products/x", request_id="r-1"),
        errors.api_error(429, "Slow down", method="GET", path="/orders", retry_after=2.5),
        errors.api_error(503, "Unavailable", method="POST", path="/products", body="<html>"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_exceptions_survive_pickling(exc: errors.StoreflowError) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert vars(copy) == vars(exc)
