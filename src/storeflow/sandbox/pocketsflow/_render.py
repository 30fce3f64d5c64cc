"""The Pocketsflow simulator's rendering: stored rows turned into the API's JSON.

:class:`PocketsflowRecords` adds to the seeded tables the views the answers are made of: an
order's id and JSON (amounts consistent: ``gross`` is what the buyer paid, ``taxes`` the VAT
included in it at the buyer's country's rate, the platform fee 5 % + $0.30 and
``net = gross - taxes - fee``), a customer with ``numberOfOrders``, a product with its
variants, a discount with ``used``, and the ``pagination`` block of the paged lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeflow.sandbox.pocketsflow._seed import (
    _TAX_RATES,
    OBJECT_ID,
    PocketsflowData,
    _iso_ms,
    _money,
)


class PocketsflowRecords(PocketsflowData):
    """The seeded tables and the JSON of their records, as the API shows them."""

    def _order_index(self, order_id: str) -> int | None:
        # Order ids are not stored: the counter part is the column index, so check it round-trips.
        if not OBJECT_ID.fullmatch(order_id):
            return None
        i = int(order_id[18:], 16)
        if i < len(self._o_ms) and self._order_id(i) == order_id:
            return i
        return None

    def _order(self, i: int) -> dict[str, Any]:
        gross = self._o_gross[i]
        customer = self._customers[self._o_customer[i]]
        rate = _TAX_RATES.get(customer["country"] or "", 0.0)
        taxes = round(gross * rate / (1 + rate))
        fee = min(round(gross * 0.05) + 30, gross - taxes) if gross else 0
        product = self._o_product[i]
        order: dict[str, Any] = {
            "_id": self._order_id(i),
            "buyerEmail": customer["buyerEmail"],
            "gross": _money(gross),
            "net": _money(gross - taxes - fee),
            "taxes": _money(taxes),
            "createdAt": _iso_ms(self._o_ms[i]),
            "product": {
                "_id": self._product_ids[product],
                "name": self._product_records[product]["name"],
            },
        }
        discount = self._o_discount[i]
        if discount >= 0:
            order["discountCode"] = self._discount_records[discount]["code"]
        return order

    def _customer(self, index: int) -> dict[str, Any]:
        return {**self._customers[index], "numberOfOrders": self._customer_orders[index]}

    def _product(self, product: dict[str, Any]) -> dict[str, Any]:
        variants = [self._variants[vid] for vid in self._product_variants[product["_id"]]]
        return {**product, "variants": variants}

    def _discount(self, discount: dict[str, Any]) -> dict[str, Any]:
        return {**discount, "used": self._discount_used[self._discount_index[discount["_id"]]]}

    def _order_detail(self, i: int) -> dict[str, Any]:
        review = self._review_of_order.get(i)
        return {
            **self._order(i),
            "customer": self._customer(self._o_customer[i]),
            "review": self._reviews.get(review) if review is not None else None,
        }


def _pagination(total: int, page: int, page_size: int) -> dict[str, Any]:
    pages = -(-total // page_size)
    return {
        "totalCount": total,
        "totalPages": pages,
        "currentPage": page,
        "pageSize": page_size,
        "hasMore": page < pages,
    }


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") or k == "_id"}
