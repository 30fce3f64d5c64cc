"""The Pocketsflow catalog: products and their variants, reviews, discounts and upsells.

The conventions every method follows (what is checked before sending, ids, money, updates) are
those of :mod:`storeflow.pocketsflow._resources`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Final

from storeflow._resource import operation
from storeflow._transport import Transport
from storeflow.pocketsflow._params import ValueTypeLiteral
from storeflow.pocketsflow._resources import (
    DISCOUNTS,
    PRODUCTS,
    REVIEWS,
    UPSELLS,
    Money,
    PocketsflowResource,
)
from storeflow.pocketsflow.models import (
    Deleted,
    Discount,
    DiscountCreate,
    DiscountUpdate,
    Product,
    ProductCreate,
    ProductUpdate,
    Review,
    Upsell,
    UpsellCreate,
    UpsellList,
    UpsellUpdate,
    ValueType,
    Variant,
    VariantCreate,
)

__all__ = ["Discounts", "Products", "Reviews", "Upsells", "Variants"]


class Variants(PocketsflowResource):
    """Variants of a product (``pf.products.variants``): editions at their own price."""

    @operation("variants_create")
    async def create(self, *, product_id: str, name: str, price: Money) -> Variant | None:
        """Create a variant of the product ``product_id`` and return it.

        Raises ValidationError for a ``product_id`` that is not a string or a ``price`` that is
        not an amount; NotFoundError when the product does not exist.
        """
        return await self._write(
            "variants_create", Variant, wrapper="variant", body=VariantCreate, values=locals()
        )

    @operation("variants_delete")
    async def delete(self, variant_id: str) -> Deleted:
        """Delete the variant ``variant_id``; NotFoundError when there is none."""
        return await self._delete("variants_delete", Deleted, ("id", "variant_id", variant_id))


class Products(PocketsflowResource):
    """Digital products (``pf.products``); their variants are ``pf.products.variants``."""

    listing = PRODUCTS

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.variants: Final = Variants(transport)
        """Create and delete variants of a product."""

    @operation("products_list")
    async def list(self) -> builtins.list[Product]:
        """Return every product of the authenticated user."""
        return await self._read("products_list", list[Product])

    @operation("products_get")
    async def get(self, product_id: str) -> Product:
        """Return the product ``product_id``; NotFoundError when there is none."""
        return await self._read("products_get", Product, ("id", "product_id", product_id))

    @operation("products_create")
    async def create(
        self,
        *,
        name: str,
        price: Money,
        description: str | None = None,
        published: bool | None = None,
        show_sales: bool | None = None,
        show_reviews: bool | None = None,
    ) -> Product | None:
        """Create a product and return it. Options left as ``None`` are not sent.

        Sent exactly once: a create is never retried after it may have reached the server.
        Raises ValidationError for an empty ``name``, an invalid ``price`` (see the module
        notes on money) or a non-bool flag.
        """
        return await self._write(
            "products_create", Product, wrapper="product", body=ProductCreate, values=locals()
        )

    @operation("products_update")
    async def update(
        self,
        product_id: str,
        *,
        name: str | None = None,
        price: Money | None = None,
        description: str | None = None,
        published: bool | None = None,
        show_sales: bool | None = None,
        show_reviews: bool | None = None,
    ) -> Product | None:
        """Change the fields given (``None`` leaves one unchanged) and return the product.

        Raises ValidationError for an empty id or a value of the wrong type; NotFoundError when
        there is no such product.
        """
        path = ("id", "product_id", product_id)
        return await self._write(
            "products_update", Product, path, wrapper="product", body=ProductUpdate, values=locals()
        )

    @operation("products_delete")
    async def delete(self, product_id: str) -> Deleted:
        """Delete the product ``product_id`` and its variants; NotFoundError when there is none."""
        return await self._delete("products_delete", Deleted, ("id", "product_id", product_id))


class Reviews(PocketsflowResource):
    """Reviews of the store's products (``pf.reviews``)."""

    listing = REVIEWS

    @operation("reviews_list")
    async def list(self) -> builtins.list[Review]:
        """Return every review of the authenticated user's products."""
        return await self._read("reviews_list", list[Review])

    @operation("reviews_list_for_product")
    async def list_for_product(self, product_id: str) -> builtins.list[Review]:
        """Return the reviews of the product ``product_id``.

        A public endpoint: the request is sent without the API key. Raises ValidationError for
        an empty id; NotFoundError when there is no such product.
        """
        path = ("productId", "product_id", product_id)
        return await self._read("reviews_list_for_product", list[Review], path)


class Discounts(PocketsflowResource):
    """Discount codes (``pf.discounts``)."""

    listing = DISCOUNTS

    @operation("discounts_list")
    async def list(self) -> builtins.list[Discount]:
        """Return every discount code."""
        return await self._read("discounts_list", list[Discount])

    @operation("discounts_get")
    async def get(self, discount_id: str) -> Discount:
        """Return the discount ``discount_id``; NotFoundError when there is none."""
        return await self._read("discounts_get", Discount, ("id", "discount_id", discount_id))

    @operation("discounts_create")
    async def create(
        self,
        *,
        name: str,
        code: str,
        value: Money,
        value_type: ValueType | ValueTypeLiteral,
        active: bool | None = None,
        main_product_ids: Iterable[str] | None = None,
    ) -> Discount | None:
        """Create a discount code and return it.

        ``value`` is a percentage (``value_type="percentage"``) or an amount of money off
        (``"fixed"``), read as money either way. ``code`` is what buyers type; its format, and
        whether a percentage may exceed 100, are the server's to decide. ``main_product_ids``
        limits the code to those products. Sent exactly once. Raises ValidationError for an
        unknown ``value_type`` or a value of the wrong type.
        """
        return await self._write(
            "discounts_create", Discount, wrapper="discount", body=DiscountCreate, values=locals()
        )

    @operation("discounts_update")
    async def update(
        self,
        discount_id: str,
        *,
        name: str | None = None,
        code: str | None = None,
        value: Money | None = None,
        value_type: ValueType | ValueTypeLiteral | None = None,
        active: bool | None = None,
        main_product_ids: Iterable[str] | None = None,
    ) -> Discount | None:
        """Change the fields given (``None`` leaves one unchanged) and return the discount.

        Raises ValidationError for an empty id, an unknown ``value_type`` or a value of the wrong
        type; NotFoundError when there is no such discount.
        """
        path = ("id", "discount_id", discount_id)
        return await self._write(
            "discounts_update",
            Discount,
            path,
            wrapper="discount",
            body=DiscountUpdate,
            values=locals(),
        )

    @operation("discounts_delete")
    async def delete(self, discount_id: str) -> Deleted:
        """Delete the discount ``discount_id``; NotFoundError when there is none."""
        return await self._delete("discounts_delete", Deleted, ("id", "discount_id", discount_id))


class Upsells(PocketsflowResource):
    """Upsells (``pf.upsells``): offers shown after checkout to buyers of the main products."""

    listing = UPSELLS

    @operation("upsells_list")
    async def list(self) -> UpsellList:
        """Return every upsell and the sales made with upsells."""
        return await self._read("upsells_list", UpsellList)

    @operation("upsells_get")
    async def get(self, upsell_id: str) -> Upsell:
        """Return the upsell ``upsell_id``; NotFoundError when there is none."""
        return await self._read("upsells_get", Upsell, ("id", "upsell_id", upsell_id))

    @operation("upsells_create")
    async def create(
        self,
        *,
        name: str,
        main_product_ids: Iterable[str],
        upsell_product_id: str,
        upsell_price: Money,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell | None:
        """Offer ``upsell_product_id`` at ``upsell_price`` to buyers of ``main_product_ids``.

        Returns the created upsell; sent exactly once. Raises ValidationError for a value of the
        wrong type; NotFoundError when a product does not exist.
        """
        return await self._write(
            "upsells_create", Upsell, wrapper="upsell", body=UpsellCreate, values=locals()
        )

    @operation("upsells_update")
    async def update(
        self,
        upsell_id: str,
        *,
        name: str | None = None,
        main_product_ids: Iterable[str] | None = None,
        upsell_product_id: str | None = None,
        upsell_price: Money | None = None,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell | None:
        """Change the fields given (``None`` leaves one unchanged) and return the upsell.

        Raises ValidationError for an empty id or a value of the wrong type; NotFoundError when
        the upsell (or a product named) does not exist.
        """
        path = ("id", "upsell_id", upsell_id)
        return await self._write(
            "upsells_update", Upsell, path, wrapper="upsell", body=UpsellUpdate, values=locals()
        )

    @operation("upsells_delete")
    async def delete(self, upsell_id: str) -> Deleted:
        """Delete the upsell ``upsell_id``; NotFoundError when there is none."""
        return await self._delete("upsells_delete", Deleted, ("id", "upsell_id", upsell_id))
