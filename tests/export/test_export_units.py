"""The export's building blocks, without a server: writers, CSV columns, tree flattening, query
parameters, the de-duplication window, and the checkpointed output file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest

from storeflow import Pocketsflow, Reflow
from storeflow._serde import wire_fields
from storeflow.errors import ValidationError
from storeflow.export import ExportError
from storeflow.export._checkpoint import VERSION, Checkpoint, Output, load, save
from storeflow.export._collections import COLLECTIONS, get
from storeflow.export._engine import _RecentIds
from storeflow.export._writers import (
    CsvWriter,
    JsonlWriter,
    count_records,
    make_writer,
    model_columns,
)
from storeflow.pagination import flatten
from storeflow.pocketsflow import models as pf
from storeflow.pocketsflow._operations import OPERATIONS as POCKETSFLOW_OPERATIONS
from storeflow.reflow import models as rf

RECORDS: list[dict[str, Any]] = [
    {
        "_id": "a" * 24,
        "gross": 29.99,
        "net": 0.1,
        "taxes": 1e16,
        "count": 3,
        "ok": True,
        "note": None,
        "text": 'comma, "quote"\nnewline — ünïcode',
        "product": {"_id": "b" * 24, "name": "E-book"},
        "tags": ["x", {"y": 1.5}],
    },
    {"_id": "c" * 24, "gross": 10, "product": None},
]


def test_jsonl_writes_each_record_exactly_as_sent_one_per_line() -> None:
    data = JsonlWriter().encode(RECORDS)
    lines = data.split(b"\n")
    assert lines[-1] == b""  # every line is terminated
    assert [orjson.loads(line) for line in lines[:-1]] == RECORDS
    # Numbers keep their JSON text: no float reformatting, ints stay ints.
    assert b'"gross":29.99' in lines[0]
    assert b'"net":0.1' in lines[0]
    assert b'"gross":10,' in lines[1]
    assert JsonlWriter().header() == b""


def test_csv_cells_flatten_nested_objects_and_keep_exact_text() -> None:
    writer = CsvWriter(
        [
            ("_id",),
            ("gross",),
            ("net",),
            ("taxes",),
            ("count",),
            ("ok",),
            ("note",),
            ("text",),
            ("product", "_id"),
            ("product", "name"),
            ("tags",),
            ("absent",),
        ]
    )
    text = (writer.header() + writer.encode(RECORDS)).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "_id", "gross", "net", "taxes", "count", "ok", "note", "text",
        "product._id", "product.name", "tags", "absent", "extra",
    ]  # fmt: skip
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["gross"] == "29.99"
    assert first["net"] == "0.1"
    assert first["count"] == "3"
    assert orjson.loads(first["taxes"]) == 1e16
    assert first["ok"] == "true"
    assert first["note"] == ""
    assert first["absent"] == ""
    assert first["text"] == RECORDS[0]["text"]  # quoting survives commas, quotes, newlines
    assert first["product._id"] == "b" * 24
    assert first["product.name"] == "E-book"
    assert orjson.loads(first["tags"]) == RECORDS[0]["tags"]
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["gross"] == "10"
    assert second["product._id"] == ""
    assert second["ok"] == ""
    # Every member has a column: nothing is left for `extra`.
    assert first["extra"] == second["extra"] == ""


def test_csv_extra_column_holds_what_no_column_carries_shaped_like_the_record() -> None:
    writer = CsvWriter([("_id",), ("product", "_id"), ("product", "name")], covered=["tree"])
    records = [
        {
            "_id": "a",
            "discountCode": "SPRING",  # undeclared, top level
            "product": {"_id": "p", "name": "n", "sku": "A1", "price": 29.99},  # and nested
            "tree": [{"_id": "child"}],  # represented otherwise by the export
        },
        {"_id": "b", "product": "p-as-text"},  # not the object its columns expect
        {"_id": "c", "product": None, "note": None},  # null is kept as null
        {"_id": "d", "product": {"_id": "p", "name": "n"}},  # nothing left over
    ]
    rows = list(csv.reader(io.StringIO(writer.encode(records).decode(), newline="")))
    extras = [orjson.loads(row[-1]) if row[-1] else None for row in rows]
    assert extras == [
        {"discountCode": "SPRING", "product": {"sku": "A1", "price": 29.99}},
        {"product": "p-as-text"},
        {"note": None},
        None,
    ]
    assert rows[0][-1] == '{"discountCode":"SPRING","product":{"sku":"A1","price":29.99}}'
    assert rows[1][1] == rows[1][2] == ""  # the text went to `extra`, not to a dotted cell
    with pytest.raises(ValueError, match="'extra'"):
        CsvWriter([("_id",), ("extra",)])


def test_reflow_orders_csv_carries_the_amounts() -> None:
    collection = get("reflow", "orders")
    writer = make_writer("csv", collection.model)
    header = next(csv.reader(io.StringIO(writer.header().decode())))
    amounts = ["subtotal", "shipping", "total", "total_formatted", "currency.code", "line_items"]
    assert set(amounts) <= set(header)
    order = {
        "id": 1,
        "total": 6300,
        "subtotal": 4800,
        "shipping": 1500,
        "total_formatted": "$63.00",
        "currency": {"code": "USD", "name": "US Dollar", "zero_decimal": False},
        "line_items": [{"product_id": 2, "name": "T", "quantity": 2, "price": 2400}],
    }
    row = dict(
        zip(header, next(csv.reader(io.StringIO(writer.encode([order]).decode()))), strict=True)
    )
    assert [row[name] for name in amounts[:5]] == ["4800", "1500", "6300", "$63.00", "USD"]
    assert orjson.loads(row["line_items"]) == order["line_items"]
    assert row["extra"] == ""


def test_csv_columns_come_from_the_model_recursively() -> None:
    order = [".".join(c) for c in model_columns(pf.Order)]
    wires = [f.metadata["wire"] for f in wire_fields(pf.Order) if f.name != "product"]
    assert set(order) == {*wires, "product._id", "product.name"}

    plan = [".".join(c) for c in model_columns(rf.Plan)]
    # An optional nested model is flattened two levels deep; a list of models stays one cell.
    assert "subscription_setup_fee.currency.code" in plan
    assert "subscription_setup_fee" not in plan
    assert "prices" in plan
    assert not any(c.startswith("prices.") for c in plan)

    # A self-referencing model keeps its nested list as one cell; exclude/extra adjust the top.
    category = model_columns(rf.Category, exclude=("subcategories",), extra=("parent_id",))
    assert ("subcategories",) not in category
    assert category[-1] == ("parent_id",)
    assert ("subcategories",) in model_columns(rf.Category)


def test_every_collection_has_a_csv_header_of_unique_names_with_its_id() -> None:
    # That the header does not depend on the records is checked against a store in
    # test_export.py::test_csv_headers_do_not_depend_on_the_records.
    for api, names in COLLECTIONS.items():
        for name in names:
            collection = get(api, name)
            header = make_writer(
                "csv", collection.model, exclude=collection.csv_exclude, extra=collection.csv_extra
            ).header()
            names_in_header = next(csv.reader(io.StringIO(header.decode())))
            assert len(names_in_header) == len(set(names_in_header)) > 1
            assert collection.listing.id_field in names_in_header


def test_make_writer_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        make_writer("xml", pf.Order)  # type: ignore[arg-type]


def test_count_records(tmp_path: Path) -> None:
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_bytes(JsonlWriter().encode(RECORDS))
    assert count_records(jsonl, "jsonl") == 2
    writer = CsvWriter([("_id",), ("text",)])
    path = tmp_path / "x.csv"
    path.write_bytes(writer.header() + writer.encode(RECORDS))
    assert count_records(path, "csv") == 2  # the newline inside a quoted cell is not a row


def test_flatten_walks_the_tree_depth_first_with_parent_ids() -> None:
    tree = [
        {"id": 1, "name": "a", "subcategories": [
            {"id": 2, "name": "a1", "subcategories": [{"id": 3, "name": "a1x"}]},
            {"id": 4, "name": "a2", "subcategories": []},
        ]},
        {"id": 5, "name": "b", "subcategories": None},
    ]  # fmt: skip
    flat = flatten(tree, "subcategories", "id")
    assert [(r["id"], r["parent_id"]) for r in flat] == [
        (1, None),
        (2, 1),
        (3, 2),
        (4, 1),
        (5, None),
    ]
    assert all("subcategories" not in r for r in flat)
    assert flat[2] == {"id": 3, "name": "a1x", "parent_id": 2}
    with pytest.raises(TypeError):
        flatten([{"id": 1, "subcategories": "no"}], "subcategories", "id")


START = dt.datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=dt.UTC)


def test_pocketsflow_orders_pin_their_upper_bound_in_iso_milliseconds() -> None:
    orders = get("pocketsflow", "orders")
    pin = orders.listing.pin(START)
    assert pin == START
    params = orders.params(pinned_at=pin, start_date=None, end_date=None, has_key=True)
    assert params == {"endDate": "2025-03-04T05:06:07.891Z"}
    ranged = orders.params(
        pinned_at=pin, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 6, 30), has_key=True
    )
    # A day as end date is inclusive to its last millisecond; the earlier bound wins.
    assert ranged == {
        "startDate": "2024-01-01T00:00:00.000Z",
        "endDate": "2024-06-30T23:59:59.999Z",
    }
    later = orders.params(
        pinned_at=pin, start_date=None, end_date=dt.date(2030, 1, 1), has_key=True
    )
    assert later == {"endDate": "2025-03-04T05:06:07.891Z"}


def test_reflow_orders_pin_a_whole_second_exclusive_bound() -> None:
    orders = get("reflow", "orders")
    pin = orders.listing.pin(START)
    assert pin == dt.datetime(2025, 3, 4, 5, 6, 8, tzinfo=dt.UTC)  # the next whole second
    assert orders.listing.pin(pin) == pin
    params = orders.params(pinned_at=pin, start_date=None, end_date=None, has_key=True)
    assert params == {"created_before": int(pin.timestamp())}
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ranged = orders.params(pinned_at=pin, start_date=day.date(), end_date=day.date(), has_key=True)
    # created_after/created_before are exclusive: the whole day is inside.
    assert ranged == {
        "created_after": int(day.timestamp()) - 1,
        "created_before": int(day.timestamp()) + 86_400,
    }


def test_other_collections_params() -> None:
    subs = get("pocketsflow", "subscriptions")
    assert subs.params(pinned_at=None, start_date=None, end_date=None, has_key=True) == {}
    assert subs.params(
        pinned_at=None,
        start_date=dt.datetime(2024, 2, 3, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
        end_date=dt.date(2024, 5, 6),
        has_key=True,
    ) == {"startDate": "2024-02-04", "endDate": "2024-05-06"}
    products = get("reflow", "products")
    assert products.params(pinned_at=None, start_date=None, end_date=None, has_key=True) == {
        "fetch_hidden": "true"
    }
    assert products.params(pinned_at=None, start_date=None, end_date=None, has_key=False) == {}


def test_params_refuse_bad_date_ranges() -> None:
    with pytest.raises(ValidationError, match="cannot be filtered by date"):
        get("pocketsflow", "customers").params(
            pinned_at=None, start_date=dt.date(2024, 1, 1), end_date=None, has_key=True
        )
    with pytest.raises(ValidationError, match="timezone-aware"):
        get("pocketsflow", "orders").params(
            pinned_at=None, start_date=dt.datetime(2024, 1, 1), end_date=None, has_key=True
        )
    with pytest.raises(ValidationError, match="after end_date"):
        get("reflow", "orders").params(
            pinned_at=None,
            start_date=dt.date(2024, 2, 1),
            end_date=dt.date(2024, 1, 1),
            has_key=True,
        )


def test_only_idempotent_operations_can_be_exported() -> None:
    # The engine fetches a failed page again, which only an idempotent read allows.
    for api, names in COLLECTIONS.items():
        for name in names:
            assert get(api, name).listing.operation.idempotent
    create = POCKETSFLOW_OPERATIONS["products_create"]
    assert not create.idempotent
    with pytest.raises(ValueError, match="not marked idempotent"):
        attrs.evolve(get("pocketsflow", "products").listing, operation=create)


def test_every_collection_is_one_list_the_client_declares() -> None:
    # The export reads each API's own list declarations: one table, nothing restated.
    assert {
        "pocketsflow": tuple(Pocketsflow.listings),
        "reflow": tuple(Reflow.listings),
    } == COLLECTIONS
    for api, names in COLLECTIONS.items():
        client = {"pocketsflow": Pocketsflow, "reflow": Reflow}[api]
        for name in names:
            assert get(api, name).listing is client.listings[name]


def test_unknown_collection_names_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="choose one of products, categories"):
        get("reflow", "widgets")


def test_recent_ids_skip_repeats_within_the_window_only() -> None:
    recent = _RecentIds([], keep=2)
    page: list[dict[str, Any]] = [{"id": 1}, {"id": 2}, {"id": 2}, {"no_id": True}]
    assert recent.fresh(page, "id") == [{"id": 1}, {"id": 2}, {"no_id": True}]
    assert recent.fresh([{"id": 2}, {"id": 3}], "id") == [{"id": 3}]
    assert recent.fresh([{"id": 4}], "id") == [{"id": 4}]
    # Page one has left the two-page window: its ids are no longer remembered.
    assert recent.fresh([{"id": 1}, {"id": 3}], "id") == [{"id": 1}]
    # A checkpoint's snapshot restores the same window: pages {4} and {1}.
    restored = _RecentIds(recent.snapshot(), keep=2)
    assert restored.fresh([{"id": 1}, {"id": 3}, {"id": 4}, {"id": 5}], "id") == [
        {"id": 3},
        {"id": 5},
    ]


def _checkpoint(**changes: Any) -> Checkpoint:
    fields: dict[str, Any] = {
        "api": "pocketsflow",
        "collection": "orders",
        "format": "csv",
        "source": "https://api.pocketsflow.com (test data)",
        "filters": {"start_date": None, "end_date": None},
        "params": {"endDate": "2025-01-01T00:00:00.000Z"},
        "started_at": "2025-01-01T00:00:00+00:00",
    }
    fields.update(changes)
    return Checkpoint(**fields)


def test_output_fresh_commit_resume_and_finish(tmp_path: Path) -> None:
    final = tmp_path / "orders.csv"
    output = Output(final)
    checkpoint, complete = output.open(
        _checkpoint(), header=b"h\r\n", resume=False, overwrite=False
    )
    assert not complete
    assert load(output.checkpoint_path) == checkpoint
    output.write(b"r1\r\n")
    checkpoint.pages, checkpoint.records = 1, 1
    output.commit(checkpoint)
    assert load(output.checkpoint_path) == checkpoint
    assert checkpoint.offset == 7
    output.write(b"r2\r\nhalf-writ")  # a page after the checkpoint, then a torn line
    output.close()
    assert not final.exists()

    with pytest.raises(ExportError, match=r"continue it with resume=True \(--resume\)"):
        Output(final).open(_checkpoint(), header=b"h\r\n", resume=False, overwrite=False)
    for other in (
        {"filters": {"start_date": "2024-01-01", "end_date": None}},
        {"source": "https://api.pocketsflow.com (live data)"},
        {"collection": "subscriptions"},
        {"format": "jsonl"},
    ):
        with pytest.raises(ExportError, match=f"has {next(iter(other))} "):
            Output(final).open(_checkpoint(**other), header=b"h\r\n", resume=True, overwrite=False)

    resumed = Output(final)
    stored, complete = resumed.open(_checkpoint(), header=b"h\r\n", resume=True, overwrite=False)
    assert not complete
    assert stored.pages == 1
    assert stored.params == checkpoint.params
    assert resumed.part.read_bytes() == b"h\r\nr1\r\n"  # cut back; the header is there once
    resumed.write(b"r2\r\n")
    stored.pages, stored.records = 2, 2
    resumed.finish(stored)
    assert stored.offset == 11  # finish committed the whole file before renaming it
    assert final.read_bytes() == b"h\r\nr1\r\nr2\r\n"
    assert not resumed.part.exists()
    assert not resumed.checkpoint_path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]  # no temporary, no lock

    with pytest.raises(ExportError, match="already exists"):
        Output(final).open(_checkpoint(), header=b"h\r\n", resume=False, overwrite=False)
    # Resuming a finished export has nothing to do.
    again = Output(final)
    assert again.open(_checkpoint(), header=b"", resume=True, overwrite=False)[1] is True
    # Overwrite starts over; the old file stays until the new one is complete.
    fresh = Output(final)
    fresh.open(_checkpoint(), header=b"h\r\n", resume=False, overwrite=True)
    fresh.close()
    assert final.read_bytes() == b"h\r\nr1\r\nr2\r\n"
    assert fresh.part.read_bytes() == b"h\r\n"


def test_output_refuses_a_directory_as_its_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a directory"):
        Output(tmp_path).open(_checkpoint(), header=b"", resume=False, overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_output_resume_from_an_empty_checkpoint_rewrites_the_header(tmp_path: Path) -> None:
    output = Output(tmp_path / "o.csv")
    output.open(_checkpoint(), header=b"h\r\n", resume=False, overwrite=False)
    output.write(b"partial")
    output.close()  # killed before any commit: the checkpoint says offset 0
    again = Output(tmp_path / "o.csv")
    again.open(_checkpoint(), header=b"h\r\n", resume=True, overwrite=False)
    again.close()
    assert again.part.read_bytes() == b"h\r\n"


def test_output_refuses_a_part_file_shorter_than_its_checkpoint(tmp_path: Path) -> None:
    output = Output(tmp_path / "o.jsonl")
    checkpoint, _ = output.open(_checkpoint(), header=b"", resume=False, overwrite=False)
    output.write(b"{}\n")
    output.commit(checkpoint)
    output.close()
    output.part.write_bytes(b"{")
    with pytest.raises(ExportError, match="shorter than its checkpoint"):
        Output(tmp_path / "o.jsonl").open(_checkpoint(), header=b"", resume=True, overwrite=False)


def test_output_finished_but_checkpoint_left_behind(tmp_path: Path) -> None:
    output = Output(tmp_path / "o.jsonl")
    content = b"{}\n" * 250
    digest = hashlib.sha256(content).hexdigest()
    save(
        output.checkpoint_path,
        _checkpoint(pages=3, records=250, offset=len(content), digest=digest),
    )
    output.final.write_bytes(content)
    stored, complete = output.open(_checkpoint(), header=b"", resume=True, overwrite=False)
    assert complete
    assert stored.records == 250
    assert not output.checkpoint_path.exists()


def test_corrupt_checkpoints_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"{not json")
    with pytest.raises(ExportError, match="not a valid export checkpoint"):
        load(path)
    path.write_bytes(orjson.dumps({"version": 99}))
    with pytest.raises(ExportError, match="another version"):
        load(path)
    path.write_bytes(orjson.dumps({"version": VERSION, "api": "reflow"}))
    with pytest.raises(ExportError, match="not a valid export checkpoint"):
        load(path)
    assert load(tmp_path / "missing.json") is None
