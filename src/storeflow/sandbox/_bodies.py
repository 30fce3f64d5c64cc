"""The sandbox's one way to check a JSON request body: the operation's generated argument rules.

Both simulators check every body the same way. :func:`read_fields` reads the body as one JSON
object, refuses an empty one where the schema's ``minProperties`` asks for a field, refuses
fields the operation does not declare, and checks each declared field by the client's generated
:class:`~storeflow._operation.Rule` (``storeflow.<api>._params.ARGUMENTS``): its JSON type,
whether it is required, its bounds, pattern and enum. So no type, bound or enum is written
twice, and the sandbox refuses exactly what the client would refuse before sending.

Where the sandbox adds a rule of its own (non-negative money, Reflow's ``"true"``/``"false"``
flags, dates turned into days), the handler passes that field's :data:`Check` in ``own``, with
a comment saying why; errors answer 400 in the API's dialect (its ``ErrorBody``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from aiohttp import web

from storeflow._operation import Arguments, Rule
from storeflow.sandbox._checks import Body
from storeflow.sandbox._http import ErrorBody, read_json_object

__all__ = ["Check", "check_of", "read_fields"]

Check: TypeAlias = Callable[[Body, str, Any], Any]
"""``check(body, name, value)``: the checked value of one body field that was sent. Raises
HTTPFailure(400)."""


def _string(rule: Rule) -> Check:
    return lambda body, name, value: body.string(name, value, rule)


def _integer(rule: Rule) -> Check:
    return lambda body, name, value: body.integer(
        name, value, minimum=rule.minimum, maximum=rule.maximum
    )


def _number(rule: Rule) -> Check:
    return lambda body, name, value: body.number(
        name, value, minimum=rule.minimum, maximum=rule.maximum
    )


def _enum(rule: Rule) -> Check:
    values = rule.enum or ()
    return lambda body, name, value: body.enum(name, value, values)


def _strings(rule: Rule) -> Check:
    return lambda body, name, value: body.strings(
        name, value, min_items=rule.min_items, max_items=rule.max_items
    )


def check_of(rule: Rule) -> Check:
    """The check of a body field that the schema's ``rule`` states, and nothing more."""
    if "array" in rule.types:
        return _strings(rule)
    if "boolean" in rule.types:
        return Body.boolean
    if "integer" in rule.types:
        return _integer(rule)
    if "number" in rule.types:
        return _number(rule)
    if rule.enum is not None:
        return _enum(rule)
    return _string(rule)


async def read_fields(
    request: web.Request,
    arguments: Arguments,
    error_body: ErrorBody,
    *,
    own: Mapping[str, Check] | None = None,
    required: bool = True,
) -> dict[str, Any]:
    """The request's JSON body checked against the body rules of one operation's ``arguments``.

    Returns the fields sent (absent ones left out). ``own`` replaces the schema's check of the
    fields it names by the sandbox's own; ``required=False`` takes an absent body as ``{}``.

    Raises:
        HTTPFailure: 400 in ``error_body``'s dialect for a body that is no JSON object, an empty
            one where a field is needed, an unknown field, or a field that breaks its rule.
    """
    checks = own or {}
    rules = {name: rule for name, rule in arguments.rules.items() if rule.location == "body"}
    body = Body(await read_json_object(request, error_body, required=required), error_body)
    if arguments.min_body_fields:
        body.not_empty()
    body.only(*rules)
    fields = {}
    for name, rule in rules.items():
        if name in body.data:
            fields[name] = checks.get(name, check_of(rule))(body, name, body.data[name])
        elif rule.required:
            raise body.fail(f"{name} is required")
    return fields
