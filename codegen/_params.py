"""Emit ``storeflow/<api>/_params.py``: each operation's argument rules, read from the schema.

For every operation the module holds an :class:`storeflow._operation.Arguments`: one
:class:`storeflow._operation.Rule` per path, query and body parameter, with what the schema
states about it (type, required, enum, bounds, pattern) and nothing else, plus the body's
``minProperties``. It also holds a ``Literal`` alias per string enum of the schema
(``ValueTypeLiteral``), so that resource signatures let a type checker catch a misspelt value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codegen import TABLES, CodegenError, operations

__all__ = ["render_params"]

# Schema keywords copied onto a Rule, by the Rule attribute they fill.
_BOUNDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "min_items": "minItems",
    "max_items": "maxItems",
}


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` followed and a one-element ``allOf`` merged into it."""
    merged = dict(node)
    while "$ref" in merged:
        target: Any = document
        for part in merged.pop("$ref").removeprefix("#/").split("/"):
            target = target[part]
        merged = {**target, **merged}
    if len(merged.get("allOf", ())) == 1:
        (inner,) = merged.pop("allOf")
        merged = {**_resolve(document, inner), **merged}
    return merged


def _rule(
    document: Mapping[str, Any],
    name: str,
    location: str,
    schema: Mapping[str, Any],
    *,
    required: bool,
    comma: bool = False,
) -> str:
    """The source of one ``Rule(...)`` for the parameter ``name`` described by ``schema``."""
    node = _resolve(document, schema)
    declared = node.get("type", "string" if "enum" in node else None)
    if declared is None:
        raise CodegenError(f"{name} ({location}) has no type")
    types = tuple(t for t in ([declared] if isinstance(declared, str) else declared) if t != "null")
    args = [f"name={name!r}", f"location={location!r}", f"types={types!r}"]
    if "format" in node:
        args.append(f"format={node['format']!r}")
    if required:
        args.append("required=True")
    if "enum" in node:
        args.append(f"enum={tuple(node['enum'])!r}")
    args.extend(f"{attr}={node[key]!r}" for attr, key in _BOUNDS.items() if key in node)
    if "items" in node:
        args.append(f"items={_rule(document, name, 'item', node['items'], required=False)}")
    if comma:
        args.append("comma_separated=True")
    return f"Rule({', '.join(args)})"


def _arguments(document: Mapping[str, Any], shared: list[Any], operation: Mapping[str, Any]) -> str:
    rules: list[str] = []
    for raw in [*shared, *operation.get("parameters", [])]:
        param = _resolve(document, raw)
        location = param["in"]
        comma = param.get("style") == "form" and param.get("explode") is False
        rule = _rule(
            document,
            param["name"],
            location,
            param["schema"],
            required=location == "path" or bool(param.get("required")),
            comma=comma,
        )
        rules.append(f"{param['name']!r}: {rule},")
    min_fields = None
    if "requestBody" in operation:
        body = _resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
        needed = set(body.get("required", ()))
        for name, field in body.get("properties", {}).items():
            rules.append(
                f"{name!r}: {_rule(document, name, 'body', field, required=name in needed)},"
            )
        min_fields = body.get("minProperties")
    return (
        "Arguments(rules=MappingProxyType({" + "".join(rules) + "}),"
        f" min_body_fields={min_fields!r})"
    )


def render_params(api: str, document: Mapping[str, Any]) -> str:
    """Return the source of ``storeflow/<api>/_params.py`` for the parsed schema ``document``.

    Raises :class:`CodegenError` when a parameter's schema states no type.
    """
    aliases: list[str] = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if schema.get("type") == "string" and "enum" in schema:
            values = ", ".join(repr(value) for value in schema["enum"])
            aliases += [
                f"{name}Literal: TypeAlias = Literal[{values}]",
                f'"""The values of ``{name}`` as plain strings, for type checkers."""',
                "",
            ]
    entries: list[str] = []
    for _, _, operation, shared in operations(document):
        entries.append(
            f"    {operation['operationId']!r}: {_arguments(document, shared, operation)},"
        )
    return TABLES["params"].render(api, document, entries, aliases)
