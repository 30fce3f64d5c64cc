"""The Reflow simulator's rendering: stored rows turned into the API's JSON.

:class:`ReflowRecords` adds to the seeded tables the JSON of each record as the API shows it:
users, categories (nested or not), products (variants,
media, personalization, sale prices) and orders. What a filter cannot ask about (line items,
delivery address) is drawn from a generator seeded with the order's position, so it is the
same whenever it is built.
"""

from __future__ import annotations

import html
from typing import Any

from storeflow.reflow.models import InventoryType
from storeflow.sandbox import _data
from storeflow.sandbox.reflow._seed import (
    _ARCHIVED_BIT,
    _CANCELED_BIT,
    _CDN,
    _CITIES,
    _FULFILLMENT,
    _PAYMENT,
    _PROVIDERS,
    _STREETS,
    ReflowData,
    _Category,
    _fulfillment,
    _original_price,
    _payment,
    _Product,
    _Variant,
)


class ReflowRecords(ReflowData):
    """The seeded tables and the JSON of their records, as the API shows them."""

    def _user_json(self, i: int) -> dict[str, Any]:
        rng = self._rng(f"user:{i}")
        user_id = self._u_id[i]
        name = _data.person_name(rng)
        provider = rng.choice(_PROVIDERS)
        meta: dict[str, Any] = {}
        if rng.random() < 0.4:
            meta["newsletter"] = rng.random() < 0.5
        if rng.random() < 0.3:
            meta["country"] = _data.country(rng)
        return {
            "object": "user",
            "id": user_id,
            "name": name,
            "email": _data.email(name, i, rng),
            "photo": f"{_CDN}/avatars/{user_id}.jpg" if provider != "email" else None,
            "provider": provider,
            "meta": meta,
            "created": self._u_created[i],
            "livemode": False,
        }

    def _category_json(self, category: _Category, *, nested: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": "category",
            "id": category.id,
            "handle": category.handle,
            "name": category.name,
            "description": category.description,
        }
        if nested:
            data["subcategories"] = [
                self._category_json(self._categories[c], nested=True) for c in category.children
            ]
        return data

    @staticmethod
    def _in_stock(product: _Product) -> bool:
        if product.inventory_type == InventoryType.ADVANCED:
            return product.stock_quantity > 0
        return product.in_stock

    def product_json(self, product: _Product) -> dict[str, Any]:
        """The product as the API sends it."""
        prices = [v.price for v in product.variants] or [product.price]
        low, high = min(prices), max(prices)
        media = [self._media_json(product.id, media_id, kind) for media_id, kind in product.media]
        image = next((m["src"] for m in media if m["type"] == "image"), None)
        advanced = product.inventory_type == InventoryType.ADVANCED
        return {
            "object": "product",
            "id": product.id,
            "name": product.name,
            "handle": product.handle,
            "excerpt": product.excerpt,
            "description": product.description,
            "description_html": f"<p>{html.escape(product.description)}</p>",
            "promo_badge": product.promo_badge,
            "currency": dict(self.currency),
            "price": product.price,
            "price_formatted": self.money(product.price),
            "price_range": [low, high],
            "price_range_formatted": (
                self.money(low) if low == high else f"{self.money(low)} - {self.money(high)}"
            ),
            "image": dict(image) if image is not None else None,
            "media": media,
            "variants": {
                "enabled": bool(product.variants),
                "option_name": product.option_name,
                "items": [self._variant_json(v, product.on_sale) for v in product.variants],
            },
            "categories": [
                self._category_json(self._categories[c], nested=False) for c in product.categories
            ],
            "inventory_type": product.inventory_type,
            "in_stock": self._in_stock(product),
            "available_quantity": product.stock_quantity if advanced else None,
            "personalization": self._personalization_json(product),
            "min_quantity": 1,
            "max_quantity": product.max_quantity,
            "on_sale": self._on_sale_json(product.price, product.on_sale),
            "sku": product.sku,
            "created": product.created,
            "livemode": False,
        }

    def _personalization_json(self, product: _Product) -> dict[str, Any]:
        # The object the vendor's own fixtures show: a switch and the fields a buyer fills in.
        items = [
            {
                "id": f"{product.id}_gift",
                "name": "Gift message",
                "type": "text",
                "required": False,
                "min": 0,
                "max": 140,
                "dropdownOptions": None,
                "filetypes": None,
                "price": 0,
                "price_formatted": self.money(0),
                "instructions": "Printed on the card that comes with the order.",
            }
        ]
        return {
            "enabled": product.personalization,
            "items": items if product.personalization else [],
        }

    def _on_sale_json(self, price: int, on_sale: bool) -> dict[str, Any]:
        original = _original_price(price) if on_sale else None
        return {
            "enabled": on_sale,
            "original_price": original,
            "original_price_formatted": None if original is None else self.money(original),
        }

    def _variant_json(self, variant: _Variant, on_sale: bool) -> dict[str, Any]:
        original = _original_price(variant.price) if on_sale else None
        return {
            # Variant ids are strings in the vendor's fixtures ("199976733_s").
            "id": f"{variant.id}_{variant.sku.rsplit('-', 1)[-1]}",
            "sku": variant.sku,
            "name": variant.name,
            "price": variant.price,
            "price_formatted": self.money(variant.price),
            "in_stock": variant.in_stock if variant.quantity is None else variant.quantity > 0,
            "quantity": variant.quantity,
            "original_price": original,
            "original_price_formatted": None if original is None else self.money(original),
        }

    @staticmethod
    def _media_json(product_id: int, media_id: int, kind: str) -> dict[str, Any]:
        if kind == "video":
            return {"id": media_id, "type": "video", "src": None,
                    "url": f"{_CDN}/products/{product_id}/{media_id}.mp4"}  # fmt: skip
        base = f"{_CDN}/products/{product_id}/{media_id}"
        src = {size: f"{base}-{size}.webp" for size in ("sm", "md", "lg")}
        return {"id": media_id, "type": "image", "src": src, "url": None}

    def _customer(self, number: int) -> dict[str, str]:
        rng = self._rng(f"customer:{number}")
        name = _data.person_name(rng)
        return {"name": name, "email": _data.email(name, number, rng)}

    def order_json(self, i: int) -> dict[str, Any]:
        """The order at position ``i`` (as :meth:`order_rows` gives it) as the API sends it."""
        rng = self._rng(f"order:{i}")
        state = self._o_state[i]
        customer = self._customer(self._o_customer[i])
        items: list[dict[str, Any]] = []
        subtotal = 0
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3)) if self._products else 0):
            product = self._products[rng.randrange(len(self._products))]
            name, price = product.sold_as
            quantity = rng.choice((1, 1, 1, 2, 3))
            items.append(
                {
                    "product_id": product.id,
                    "name": name,
                    "quantity": quantity,
                    "price": price,
                    "price_formatted": self.money(price),
                }
            )
            subtotal += price * quantity
        shipping = rng.choice((0, 0, 500, 800, 1500))
        delivery = None
        if shipping:
            delivery = (
                f"{customer['name']}, {rng.randint(1, 240)} {rng.choice(_STREETS)}, "
                f"{rng.choice(_CITIES)} {rng.randint(10_000, 99_999)}, {_data.country(rng)}"
            )
        delivery = self._o_delivery.get(i, delivery)
        total = subtotal + shipping
        return {
            "object": "order",
            "id": self._o_id[i],
            "created": self._o_created[i],
            "payment_status": _PAYMENT[_payment(state)],
            "fulfillment_status": _FULFILLMENT[_fulfillment(state)],
            "is_canceled": bool(state & _CANCELED_BIT),
            "is_archived": bool(state & _ARCHIVED_BIT),
            "customer": customer,
            "delivery_information": delivery,
            "livemode": False,
            "currency": dict(self.currency),
            "line_items": items,
            "subtotal": subtotal,
            "shipping": shipping,
            "total": total,
            "total_formatted": self.money(total),
        }
