"""storeflow.webhooks: signatures, typed events, deduplication and the receiver's answers.

The example payloads are the vendors' published shapes (their events pages and example
repositories, as summarised in the API notes), including their non-ObjectId example ids.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import logging
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeflow import DecodeError, WebhookSignatureError
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf
from storeflow.webhooks import (
    Deduplicator,
    DedupStore,
    MemoryDedupStore,
    WebhookEvent,
    WebhookReceiver,
    pocketsflow,
    reflow,
    sign,
)

SECRET = "whsec_test_0123456789abcdef"

ORDER_COMPLETED: dict[str, Any] = {
    "webhookId": "wh_123abc",
    "event": "order.completed",
    "product": {"id": "prod_456def", "variantId": "var_789ghi"},
    "order": {"id": "order_xyz123"},
    "currency": "usd",
    "customer": {"email": "jane@example.com", "firstName": "Jane", "lastName": "Doe"},
    "tax": {
        "amount": 5.0,
        "rate": 0.0833,
        "ToCountry": "US",
        "ToZip": "94107",
        "ToState": "CA",
        "percentage": 8.33,
        "vatNumber": None,
    },
    "amount": 64.99,
    "amountBeforeTax": 59.99,
    "metadata": {"campaign": "spring"},
}
ORDER_REFUNDED: dict[str, Any] = {
    **ORDER_COMPLETED,
    "webhookId": "wh_456def",
    "event": "order.refunded",
    "amount": 6499,  # the example repository's cents
    "refund": {"id": "re_1", "amount": 6499, "reason": "requested_by_customer", "status": "ok"},
}
SUBSCRIPTION_DELETED: dict[str, Any] = {
    "subscription": {"id": "sub_123", "customerId": "cus_456"},
    "subscriptionCustomer": {
        "id": "cus_456",
        "status": "canceled",
        "active": False,
        "cancelAtPeriodEnd": False,
        "paused": False,
    },
    "customer": {"email": "sam@example.com", "firstName": "Sam", "lastName": None},
    "status": "canceled",
    "paymentMethod": {
        "id": "pm_1",
        "type": "card",
        "brand": "visa",
        "last4": "4242",
        "expMonth": 12,
        "expYear": 2030,
    },
    "portalUrl": "https://billing.example.com/p/123",
    "subscriptionCustomerId": "cus_456",
    "clientReferenceId": None,
    "metadata": {},
    "webhookId": "wh_sub_1",
}
INVOICE_PAID: dict[str, Any] = {
    **SUBSCRIPTION_DELETED,
    "status": "active",
    "paymentMethod": None,
    "amount": 2900,
    "currency": "usd",
    "webhookId": "wh_inv_1",
}
REFLOW_ORDER_CREATED: dict[str, Any] = {
    "id": "evt_0a1b2c3d",
    "object": "event",
    "api-version": "2",
    "created": 1635244789,
    "data": {
        "object": "order",
        "id": 4817,
        "created": 1635244780,
        "payment_status": "paid",
        "fulfillment_status": "unfulfilled",
        "is_canceled": False,
        "is_archived": False,
        "customer": {"name": "Ana", "email": "ana@example.com"},
        "livemode": True,
    },
    "livemode": True,
    "request_id": "req_1",
    "type": "order.created",
}
REFLOW_PRODUCTS_CHANGED: dict[str, Any] = {
    "id": "test_evt_9",
    "object": "event",
    "api-version": "2",
    "created": 1635244789,
    "data": {"action": "update", "items": [199976733, 1234]},
    "livemode": False,
    "request_id": "req_2",
    "type": "products.changed",
}
REFLOW_USER_CREATED: dict[str, Any] = {
    "id": "evt_user_1",
    "object": "event",
    "created": 1635244789,
    "data": {"object": "user", "id": 42, "name": "Ana", "email": "ana@example.com"},
    "livemode": False,
    "type": "user.created",
}


def body_of(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)


def pocketsflow_headers(body: bytes, event: str, secret: str = SECRET) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Pocketsflow-Signature": signature,
        "X-Pocketsflow-Event": event,
        "X-Pocketsflow-Timestamp": "1700000000000",
    }


def reflow_headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


# -- verify ---------------------------------------------------------------------------------------


def test_sign_is_the_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"webhookId":"wh_1"}'
    assert sign(SECRET, body) == hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(SECRET.encode(), body) == sign(SECRET, body)


def test_a_correct_signature_passes_with_or_without_the_prefix_in_any_header_case() -> None:
    body = body_of(ORDER_COMPLETED)
    signature = sign(SECRET, body)
    pocketsflow.verify(body, {"X-Pocketsflow-Signature": signature}, SECRET)
    pocketsflow.verify(body, {"x-pocketsflow-signature": f"sha256={signature}"}, SECRET)
    pocketsflow.verify(body, {"X-Pocketsflow-Signature": f"SHA256={signature.upper()}"}, SECRET)
    reflow.verify(body, {"Signature": signature}, SECRET)


def test_any_of_several_secrets_passes_during_a_rotation() -> None:
    body = body_of(REFLOW_ORDER_CREATED)
    old, new = "old-secret", "new-secret"
    for secret in (old, new):
        reflow.verify(body, reflow_headers(body, secret), [new, old])
    with pytest.raises(WebhookSignatureError) as caught:
        reflow.verify(body, reflow_headers(body, "other"), [new, old])
    assert caught.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("signature", "reason"),  # the X-Pocketsflow-Signature header (None: absent)
    [
        (None, "missing"),
        ("  ", "missing"),
        ("abc123", "malformed"),
        ("z" * 64, "malformed"),
        ("0" * 64, "mismatch"),
    ],
)
def test_a_missing_malformed_or_wrong_signature_raises_the_typed_error(
    signature: str | None, reason: str
) -> None:
    headers = {} if signature is None else {"X-Pocketsflow-Signature": signature}
    with pytest.raises(WebhookSignatureError) as caught:
        pocketsflow.verify(body_of(ORDER_COMPLETED), headers, SECRET)
    assert caught.value.reason == reason
    assert caught.value.header == "X-Pocketsflow-Signature"
    assert isinstance(caught.value, ValueError)


def test_each_api_reads_its_own_header() -> None:
    body = body_of(REFLOW_ORDER_CREATED)
    with pytest.raises(WebhookSignatureError, match="in the signature header"):
        reflow.verify(body, {"X-Pocketsflow-Signature": sign(SECRET, body)}, SECRET)


def test_a_re_serialised_body_fails_the_check() -> None:
    body = b'{"webhookId": "wh_1", "amount": 64.99}'
    headers = pocketsflow_headers(body, "order.completed")
    with pytest.raises(WebhookSignatureError):
        pocketsflow.verify(orjson.dumps(orjson.loads(body)), headers, SECRET)


def test_decoded_text_or_an_empty_secret_is_refused() -> None:
    body = body_of(ORDER_COMPLETED)
    with pytest.raises(TypeError, match="raw request body"):
        pocketsflow.verify(body.decode(), pocketsflow_headers(body, "x"), SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        pocketsflow.verify(body, pocketsflow_headers(body, "x"), "")
    with pytest.raises(ValueError, match="at least one"):
        pocketsflow.verify(body, pocketsflow_headers(body, "x"), [])


@given(
    body=st.binary(min_size=1, max_size=300),
    where=st.integers(min_value=0),
    delta=st.integers(min_value=1, max_value=255),
)
def test_property_any_byte_change_fails_verification(body: bytes, where: int, delta: int) -> None:
    headers = reflow_headers(body)
    reflow.verify(body, headers, SECRET)
    i = where % len(body)
    changed = body[:i] + bytes([(body[i] + delta) % 256]) + body[i + 1 :]
    for tampered in (changed, body[:i] + body[i + 1 :], body[:i] + b"\x00" + body[i:]):
        with pytest.raises(WebhookSignatureError) as caught:
            reflow.verify(tampered, headers, SECRET)
        assert caught.value.reason == "mismatch"


def _encodings(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, raw.hex(), base64.b64encode(raw).decode(), repr(raw)]


@given(
    secret=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=40
    ),
    body=st.binary(max_size=100),
    signature=st.one_of(st.none(), st.text(max_size=70)),
)
def test_property_the_secret_never_appears_in_any_output(
    secret: str, body: bytes, signature: str | None
) -> None:
    headers = {} if signature is None else {"signature": signature}
    try:
        reflow.verify(body, headers, [secret, secret + "x"])
    except WebhookSignatureError as exc:
        outputs = [str(exc), repr(exc), repr(exc.__dict__), repr(exc.args)]
    else:  # the generated signature happened to be right (practically never)
        outputs = []

    async def noop(event: WebhookEvent) -> None:
        pass

    outputs.append(repr(WebhookReceiver("reflow", secret=secret, callback=noop)))
    for output in outputs:
        for encoded in _encodings(secret):
            assert encoded not in output


# -- parse ----------------------------------------------------------------------------------------


def test_the_published_order_completed_example_parses_into_its_typed_event() -> None:
    body = body_of(ORDER_COMPLETED)
    event = pocketsflow.parse(body, pocketsflow_headers(body, "order.completed"))
    assert event.api == "pocketsflow"
    assert event.name == "order.completed"
    assert event.id == "wh_123abc"
    assert event.known
    assert event.livemode is None
    assert event.created == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert event.raw == body
    assert event.payload == ORDER_COMPLETED
    data = event.data
    assert isinstance(data, pf.OrderCompletedEvent)
    assert data.product == pf.WebhookProduct(id="prod_456def", variant_id="var_789ghi")
    assert data.order == pf.WebhookOrder(id="order_xyz123")
    assert data.amount == Decimal("64.99")
    assert data.amount_before_tax == Decimal("59.99")
    assert data.tax is not None
    assert data.tax.to_country == "US"
    assert data.customer == pf.WebhookCustomer(
        email="jane@example.com", first_name="Jane", last_name="Doe"
    )
    assert data.metadata == {"campaign": "spring"}


def test_the_refund_example_with_amounts_in_cents_parses() -> None:
    body = body_of(ORDER_REFUNDED)
    event = pocketsflow.parse(body, pocketsflow_headers(body, "order.refunded"))
    assert isinstance(event.data, pf.OrderRefundedEvent)
    assert event.data.amount == Decimal(6499)
    assert event.data.refund == pf.WebhookRefund(
        id="re_1", amount=Decimal(6499), reason="requested_by_customer", status="ok"
    )


@pytest.mark.parametrize(
    ("name", "payload", "model"),
    [
        ("customer.subscription.deleted", SUBSCRIPTION_DELETED, pf.SubscriptionEvent),
        ("customer.subscription.paused", SUBSCRIPTION_DELETED, pf.SubscriptionEvent),
        ("invoice.paid", INVOICE_PAID, pf.InvoiceEvent),
        ("payment_intent.payment_failed", INVOICE_PAID, pf.InvoiceEvent),
    ],
)
def test_the_subscription_and_invoice_examples_parse(
    name: str, payload: dict[str, Any], model: type[Any]
) -> None:
    body = body_of(payload)
    event = pocketsflow.parse(body, pocketsflow_headers(body, name))
    assert type(event.data) is model
    assert event.id == payload["webhookId"]
    assert event.data.subscription == pf.WebhookSubscription(id="sub_123", customer_id="cus_456")
    assert event.data.status == payload["status"]


def test_the_subscription_example_keeps_its_card_and_invoice_its_amount() -> None:
    body = body_of(SUBSCRIPTION_DELETED)
    deleted = pocketsflow.parse(body, pocketsflow_headers(body, "customer.subscription.deleted"))
    assert deleted.data.payment_method == pf.PaymentMethod(
        id="pm_1", type="card", brand="visa", last4="4242", exp_month=12, exp_year=2030
    )
    assert deleted.data.subscription_customer.status is pf.WebhookSubscriptionStatus.CANCELED
    body = body_of(INVOICE_PAID)
    paid = pocketsflow.parse(body, pocketsflow_headers(body, "invoice.paid"))
    assert (paid.data.amount, paid.data.currency) == (2900, "usd")


def test_the_event_name_falls_back_to_the_body() -> None:
    event = pocketsflow.parse(body_of(ORDER_COMPLETED), {})
    assert event.name == "order.completed"
    assert isinstance(event.data, pf.OrderCompletedEvent)
    assert event.created is None


def test_the_reflow_examples_parse_into_their_typed_events() -> None:
    created = reflow.parse(body_of(REFLOW_ORDER_CREATED), {})
    assert (created.name, created.id, created.livemode) == ("order.created", "evt_0a1b2c3d", True)
    assert created.created == dt.datetime.fromtimestamp(1635244789, dt.UTC)
    assert isinstance(created.data, rf.OrderEvent)
    assert created.data.api_version == "2"
    assert created.data.data is not None
    assert created.data.data.id == 4817
    assert created.data.data.payment_status is rf.PaymentStatus.PAID

    changed = reflow.parse(body_of(REFLOW_PRODUCTS_CHANGED), {})
    assert (changed.id, changed.livemode) == ("test_evt_9", False)
    assert changed.data.data == rf.Changed(action=rf.ChangeAction.UPDATE, items=[199976733, 1234])

    user = reflow.parse(body_of(REFLOW_USER_CREATED), {})
    assert isinstance(user.data, rf.UserEvent)
    assert user.data.data is not None
    assert user.data.data.email == "ana@example.com"


def test_an_unknown_event_is_a_generic_event_not_an_error() -> None:
    payload = {"webhookId": "wh_new", "somethingNew": [1, 2]}
    body = body_of(payload)
    event = pocketsflow.parse(body, pocketsflow_headers(body, "affiliate.joined"))
    assert (event.name, event.id, event.known) == ("affiliate.joined", "wh_new", False)
    assert event.data == payload
    nameless = reflow.parse(b'{"id": "evt_1", "data": {}}', {})
    assert (nameless.name, nameless.known, nameless.id) == ("", False, "evt_1")


@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]", b'"text"'])
def test_a_body_that_is_no_json_object_raises_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError):
        reflow.parse(body, {})


def test_every_schema_event_has_a_model() -> None:
    from storeflow.pocketsflow._webhooks import EVENTS as PF_EVENTS
    from storeflow.reflow._webhooks import EVENTS as RF_EVENTS

    assert PF_EVENTS["order.completed"] is pf.OrderCompletedEvent
    assert set(RF_EVENTS) == {
        "order.created",
        "order.updated",
        "user.created",
        "user.updated",
        "user.deleted",
        "products.changed",
        "categories.changed",
    }
    assert len(PF_EVENTS) == 16


# -- dedupe ---------------------------------------------------------------------------------------


def _event(event_id: str | None, api: Any = "reflow") -> WebhookEvent:
    return WebhookEvent(
        api=api,
        name="order.created",
        id=event_id,
        livemode=False,
        created=None,
        known=False,
        data={},
        payload={},
        raw=b"{}",
    )


async def test_the_deduplicator_claims_each_event_id_once_per_api() -> None:
    dedupe = Deduplicator()
    assert await dedupe.claim(_event("evt_1"))
    assert not await dedupe.claim(_event("evt_1"))
    assert await dedupe.claim(_event("evt_1", api="pocketsflow"))
    await dedupe.release(_event("evt_1"))
    assert await dedupe.claim(_event("evt_1"))
    # Without an id an event cannot be recognised: it always runs.
    assert await dedupe.claim(_event(None))
    assert await dedupe.claim(_event(None))
    assert isinstance(dedupe.store, DedupStore)


async def test_the_memory_store_is_bounded_and_forgets_after_the_ttl() -> None:
    now = [0.0]
    store = MemoryDedupStore(max_keys=2, clock=lambda: now[0])
    assert await store.add("a", 10)
    assert await store.add("b", 10)
    assert await store.add("c", 10)  # "a", the oldest, is dropped
    assert len(store) == 2
    assert await store.add("a", 10)
    assert not await store.add("c", 10)
    now[0] = 10.5
    assert await store.add("c", 10)
    with pytest.raises(ValueError, match="max_keys"):
        MemoryDedupStore(max_keys=0)
    with pytest.raises(ValueError, match="ttl"):
        Deduplicator(ttl=0)


# -- the receiver ---------------------------------------------------------------------------------


class Recorder:
    """An async callback that records events and fails while ``failures`` is positive."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[WebhookEvent] = []
        self.failures = failures
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, event: WebhookEvent) -> None:
        await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the database is down")
        self.events.append(event)


async def test_a_verified_delivery_is_answered_at_once_and_handled_after() -> None:
    callback = Recorder()
    callback.release.clear()  # a slow callback
    receiver = WebhookReceiver("reflow", secret=SECRET, callback=callback)
    body = body_of(REFLOW_ORDER_CREATED)
    receipt = await receiver.receive(body, reflow_headers(body))
    assert (receipt.status, receipt.body) == (200, {"received": True})
    assert receipt.event is not None
    assert receipt.event.id == "evt_0a1b2c3d"
    assert receiver.running == 1
    assert callback.events == []
    callback.release.set()
    await receiver.aclose()
    assert [e.id for e in callback.events] == ["evt_0a1b2c3d"]
    assert receiver.running == 0
    after = await receiver.receive(body, reflow_headers(body))
    assert after.status == 503


@pytest.mark.parametrize("background", [True, False])
async def test_a_bad_signature_is_401_and_a_bad_body_400(background: bool) -> None:
    callback = Recorder()
    receiver = WebhookReceiver(
        "pocketsflow", secret=SECRET, callback=callback, background=background
    )
    body = body_of(ORDER_COMPLETED)
    wrong = await receiver.receive(body, pocketsflow_headers(body, "order.completed", "nope"))
    tampered = await receiver.receive(
        body.replace(b"64.99", b"0.01"), pocketsflow_headers(body, "order.completed")
    )
    missing = await receiver.receive(body, {})
    assert [r.status for r in (wrong, tampered, missing)] == [401, 401, 401]
    assert "matches none of the secrets" in wrong.body["error"]
    assert "no signature" in missing.body["error"]
    broken = b'["a JSON array is no event"]'
    invalid = await receiver.receive(broken, pocketsflow_headers(broken, "order.completed"))
    assert (invalid.status, invalid.event) == (400, None)
    await receiver.aclose()
    assert callback.events == []


async def test_a_repeat_is_acknowledged_without_running_the_callback_again() -> None:
    callback = Recorder()
    receiver = WebhookReceiver("reflow", secret=SECRET, callback=callback, dedupe=Deduplicator())
    body = body_of(REFLOW_ORDER_CREATED)
    first = await receiver.receive(body, reflow_headers(body))
    again = await receiver.receive(body, reflow_headers(body))
    await receiver.aclose()
    assert first.body == {"received": True}
    assert (again.status, again.body) == (200, {"received": True, "duplicate": True})
    assert len(callback.events) == 1


async def test_a_failed_background_callback_is_logged_and_its_id_released(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback, dedupe = Recorder(failures=1), Deduplicator()
    receiver = WebhookReceiver("pocketsflow", secret=SECRET, callback=callback, dedupe=dedupe)
    body = body_of(ORDER_COMPLETED)
    headers = pocketsflow_headers(body, "order.completed")
    with caplog.at_level(logging.DEBUG, logger="storeflow.webhooks"):
        first = await receiver.receive(body, headers)
        await receiver.aclose()
        # The sender had its 200; a later delivery of the same event (say, replayed by hand to
        # the next process sharing the store) runs again.
        receiver = WebhookReceiver("pocketsflow", secret=SECRET, callback=callback, dedupe=dedupe)
        second = await receiver.receive(body, headers)
        await receiver.aclose()
    assert (first.status, second.status) == (200, 200)
    assert second.body == {"received": True}
    assert [e.id for e in callback.events] == ["wh_123abc"]
    assert "callback failed on order.completed wh_123abc" in caplog.text
    assert "the database is down" in caplog.text
    assert SECRET not in caplog.text


async def test_inline_handling_answers_500_when_the_callback_fails_so_reflow_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback = Recorder(failures=1)
    receiver = WebhookReceiver(
        "reflow", secret=SECRET, callback=callback, dedupe=Deduplicator(), background=False
    )
    body = body_of(REFLOW_ORDER_CREATED)
    with caplog.at_level(logging.DEBUG, logger="storeflow.webhooks"):
        failed = await receiver.receive(body, reflow_headers(body))
        retried = await receiver.receive(body, reflow_headers(body))
        repeat = await receiver.receive(body, reflow_headers(body))
    assert [failed.status, retried.status, repeat.status] == [500, 200, 200]
    assert repeat.body["duplicate"] is True
    assert len(callback.events) == 1
    assert SECRET not in caplog.text


async def test_aclose_cancels_callbacks_that_outlive_the_grace() -> None:
    callback = Recorder()
    callback.release.clear()
    receiver = WebhookReceiver("reflow", secret=SECRET, callback=callback)
    body = body_of(REFLOW_ORDER_CREATED)
    await receiver.receive(body, reflow_headers(body))
    await receiver.aclose(grace=0)
    assert receiver.running == 0
    assert callback.events == []


def test_the_receiver_refuses_an_unknown_api() -> None:
    async def noop(event: WebhookEvent) -> None:
        pass

    with pytest.raises(ValueError, match="api must be"):
        WebhookReceiver("stripe", secret=SECRET, callback=noop)  # type: ignore[arg-type]
