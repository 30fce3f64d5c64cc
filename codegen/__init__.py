"""Generate storeflow's models and operation tables from the OpenAPI schemas.

For every API that ``storeflow._apis.API_NAMES`` lists (see :func:`api_names`),
``schemas/<api>.yaml`` produces these committed modules:

- ``src/storeflow/<api>/models.py``: one attrs class per object schema and one ``StrEnum`` per
  string enum, written by datamodel-code-generator through the Jinja templates in
  ``codegen/templates`` (which turn its dataclass output into ``@define(kw_only=True)`` classes
  whose fields keep their JSON name in ``metadata["wire"]``);
- ``src/storeflow/<api>/_operations.py``: ``OPERATIONS``, every path and method of the schema as
  a :class:`storeflow._operation.Operation`, keyed by ``operationId``;
- ``src/storeflow/<api>/_params.py``: ``ARGUMENTS``, the argument rules of every operation (see
  :mod:`codegen._params`);
- ``src/storeflow/<api>/_webhooks.py``: ``EVENTS``, every entry of the schema's OpenAPI 3.1
  ``webhooks`` section (an event name) mapped to the generated model of its request body;
- ``src/storeflow/<api>/_responses.py``: ``RESPONSES``, every operation whose successful answer
  is JSON mapped to the generated model of that answer (the sandbox's drift mode reads it).

All are formatted with ruff under the project's own configuration, so the output depends only on
the schemas, the templates and the pinned tool versions: the same input gives byte-identical
files, which :func:`stale` compares with what is on disk.
"""

from __future__ import annotations

import ast
import copy
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

import yaml
from datamodel_code_generator import (
    DataModelType,
    DatetimeClassType,
    InputFileType,
    LiteralType,
    PythonVersion,
    generate,
)

__all__ = [
    "REPO",
    "CodegenError",
    "api_names",
    "render",
    "render_models",
    "render_operations",
    "render_responses",
    "render_webhooks",
    "stale",
    "write",
]

#: The repository root; every default path is resolved from it, not from the working directory.
REPO = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Where the SDK lists the APIs it speaks (``API_NAMES``), which :func:`api_names` reads.
API_NAMES_SOURCE = REPO / "src" / "storeflow" / "_apis.py"

#: datamodel-code-generator's options; the command line equivalent is ``datamodel-codegen
#: --input schemas/<api>.yaml --input-file-type openapi --output-model-type dataclasses.dataclass
#: --custom-template-dir codegen/templates --target-python-version 3.11 --snake-case-field
#: --remove-special-field-name-prefix --capitalise-enum-members --use-specialized-enum
#: --enum-field-as-literal none --output-datetime-class datetime --use-standard-collections
#: --use-union-operator --use-schema-description --use-field-description --collapse-root-models
#: --additional-imports attrs.define,attrs.field --disable-timestamp --no-formatters
#: --type-mappings string+iso-8601=string
#: --custom-file-header <header>``.
DATAMODEL_CODEGEN_OPTIONS: Mapping[str, Any] = {
    "input_file_type": InputFileType.OpenAPI,
    # Rendered by codegen/templates/dataclass.jinja2 as attrs classes, not dataclasses.
    "output_model_type": DataModelType.DataclassesDataclass,
    "custom_template_dir": TEMPLATES,
    "target_python_version": PythonVersion.PY_311,
    "snake_case_field": True,
    "remove_special_field_name_prefix": True,  # `_id` becomes `id`
    "capitalise_enum_members": True,
    "use_specialized_enum": True,  # StrEnum
    "enum_field_as_literal": LiteralType.Off,
    "output_datetime_class": DatetimeClassType.Datetime,
    "use_standard_collections": True,
    "use_union_operator": True,
    "use_schema_description": True,
    "use_field_description": True,
    "collapse_root_models": True,
    # The templates use these; ruff's F401 fix then drops the unused dataclass import.
    "additional_imports": ["attrs.define", "attrs.field", "typing.Any", "storeflow._serde.Model"],
    "disable_timestamp": True,
    # An argument format the params emitter reads (see When in the Pocketsflow schema); to the
    # models it is a plain string.
    "type_mappings": ["string+iso-8601=string"],
    # `x-aliases` on a property: other wire names the converter reads the field from.
    "field_extra_keys_without_x_prefix": {"x-aliases"},
    "formatters": [],  # ruff formats below, under the project's configuration
}

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, str, Mapping[str, Any], list[Any]]]:
    """Each operation of the schema ``document`` as ``(path, method, operation, shared)``, in
    the schema's order of paths and the HTTP methods' order within a path; ``shared`` holds the
    parameters its path declares for all of its operations."""
    for path, item in document.get("paths", {}).items():
        for method in _HTTP_METHODS:
            if method in item:
                yield path, method, item[method], item.get("parameters", [])


# RFC 9110 section 9.2.2: what a method promises when the operation carries no `x-idempotent`.
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


class CodegenError(Exception):
    """A schema or a tool run made generation impossible; the message says which and why."""


def _header(api: str, what: str) -> str:
    return (
        f"# Generated from schemas/{api}.yaml by `python -m codegen`. Do not edit by hand:\n"
        f"# change the schema, then regenerate with `python -m codegen`.\n"
        f'"""{what}"""\n'
    )


def _ruff(source: str, target: str) -> str:
    """Fix and format ``source`` as if it were the file ``target`` (relative to the repository).

    Naming the target keeps ruff on the project's configuration and per-file rules wherever the
    output is finally written. The last, non-fixing check turns a lint error in generated code
    into a generation error rather than a surprise in the lint session.
    """
    stdin = ["--quiet", "--stdin-filename", target, "-"]
    for command in (["check", "--fix", "--exit-zero"], ["format"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *stdin],
            input=source,
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
        if result.returncode != 0:
            raise CodegenError(f"ruff {command[0]} failed on {target}:\n{result.stdout}")
        if command != ["check"]:
            source = result.stdout
    return source


class _Table(NamedTuple):
    """One generated table module: a single read-only mapping, by operationId or event name."""

    module: str
    """Its file name in ``storeflow/<api>/``."""
    summary: str
    """Its docstring; ``{title}`` stands for the schema's title."""
    declaration: str
    """The mapping's annotated name, such as ``"EVENTS: Final[Mapping[str, type[Any]]]"``."""
    doc: str
    """The mapping's docstring."""

    def render(
        self,
        api: str,
        document: Mapping[str, Any],
        entries: list[str],
        preamble: list[str] | None = None,
    ) -> str:
        """The module's source: ``preamble`` lines, then the mapping of ``entries`` lines."""
        summary = self.summary.format(title=document["info"]["title"])
        source = "\n".join(
            [
                _header(api, summary),
                # Every name any table uses: ruff's F401 fix drops those this one does not.
                "from collections.abc import Mapping",
                "from types import MappingProxyType",
                "from typing import Any, Final, Literal, TypeAlias",
                "",
                "from storeflow._operation import Arguments, Operation, Rule",
                f"from storeflow.{api} import models",
                "",
                *(preamble or []),
                f"{self.declaration} = MappingProxyType({{",
                *entries,
                "})",
                f'"""{self.doc}"""',
                "",
            ]
        )
        return _ruff(source, f"src/storeflow/{api}/{self.module}")


TABLES: Final = {
    name: _Table(**fields)
    for name, fields in tomllib.loads((TEMPLATES / "tables.toml").read_text("utf-8")).items()
}
"""The generated table modules, by name, as ``codegen/templates/tables.toml`` describes them."""


def api_names(source: Path = API_NAMES_SOURCE) -> tuple[str, ...]:
    """The APIs storeflow speaks, as the ``API_NAMES`` tuple of ``source`` lists them.

    The file is read, not imported: importing ``storeflow`` loads the very modules codegen
    writes, so a stale or missing one would keep codegen from repairing it. Raises
    :class:`CodegenError` when ``source`` has no ``API_NAMES`` tuple of strings.
    """
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
    except (OSError, SyntaxError) as exc:
        raise CodegenError(f"cannot read {source}: {exc}") from exc
    for node in tree.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "API_NAMES"
            and node.value is not None
        ):
            try:
                names = ast.literal_eval(node.value)
            except ValueError:
                break
            if isinstance(names, tuple) and names and all(isinstance(n, str) for n in names):
                return names
            break
    raise CodegenError(f"{source} has no annotated API_NAMES tuple of strings")


def _load(schema: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(schema.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CodegenError(f"cannot read {schema}: {exc}") from exc
    if not isinstance(document, dict) or "openapi" not in document:
        raise CodegenError(f"{schema} is not an OpenAPI document")
    return document


def _open_enums(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` in which every response model field typed by a string enum also
    admits any string: ``{$ref: PaymentStatus}`` becomes ``{anyOf: [{$ref: PaymentStatus},
    {type: string}]}``.

    The models then say ``PaymentStatus | str``: the converter keeps a value the schema does not
    list yet as a plain string (enums are open), and the annotation tells the truth about it.
    The schema itself stays as the references say, with the closed lists the sandbox and the
    argument checks use.
    """
    document = copy.deepcopy(dict(document))
    schemas = document.get("components", {}).get("schemas", {})
    enums = {
        f"#/components/schemas/{name}"
        for name, schema in schemas.items()
        if isinstance(schema, dict) and "enum" in schema and schema.get("type") == "string"
    }

    def opened(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") in enums and len(node) == 1:
                return {"anyOf": [node, {"type": "string"}]}
            return {key: opened(value) for key, value in node.items()}
        if isinstance(node, list):
            return [opened(item) for item in node]
        return node

    for schema in schemas.values():
        # Request bodies (closed with `additionalProperties: false`) keep closed enums: what
        # storeflow sends is checked against the documented values.
        closed = isinstance(schema, dict) and schema.get("additionalProperties") is False
        if isinstance(schema, dict) and "properties" in schema and not closed:
            schema["properties"] = opened(schema["properties"])
    return document


def render_models(api: str, document: Mapping[str, Any]) -> str:
    """Return the source of ``storeflow/<api>/models.py`` generated from the parsed schema.

    Raises :class:`CodegenError` when datamodel-code-generator or ruff fails.
    """
    title = document["info"]["title"]
    header = _header(api, f"The {title} data models: one attrs class per object in the schema.")
    try:
        source = generate(
            _open_enums(document), custom_file_header=header, **DATAMODEL_CODEGEN_OPTIONS
        )
    except Exception as exc:  # the generator raises many types; all mean the schema is unusable
        raise CodegenError(f"datamodel-code-generator failed on schemas/{api}.yaml: {exc}") from exc
    if not isinstance(source, str):
        raise CodegenError(f"datamodel-code-generator wrote no single module for {api}")
    return _ruff(source, f"src/storeflow/{api}/models.py")


def _auth(security: list[Mapping[str, Any]] | None) -> str:
    """Map an OpenAPI security requirement list to ``required``, ``optional`` or ``none``."""
    if not security:
        return "none"
    # An empty requirement object in the list means the operation also works without credentials.
    return "optional" if any(not requirement for requirement in security) else "required"


def render_operations(api: str, document: Mapping[str, Any]) -> str:
    """Return the source of ``storeflow/<api>/_operations.py`` for the parsed schema ``document``.

    Raises :class:`CodegenError` when an operation has no ``operationId``, an id is used twice,
    or ``x-idempotent`` is not a boolean.
    """
    default_security = document.get("security")
    entries: list[str] = []
    seen: set[str] = set()
    for path, method, operation, _ in operations(document):
        where = f"{method.upper()} {path} in schemas/{api}.yaml"
        operation_id = operation.get("operationId")
        if not operation_id:
            raise CodegenError(f"{where} has no operationId")
        if operation_id in seen:
            raise CodegenError(f"{where} repeats operationId {operation_id!r}")
        seen.add(operation_id)
        idempotent = operation.get("x-idempotent", method.upper() in _IDEMPOTENT_METHODS)
        if not isinstance(idempotent, bool):
            raise CodegenError(f"{where}: x-idempotent must be a boolean")
        auth = _auth(operation.get("security", default_security))
        entries.append(
            f"    {operation_id!r}: Operation(id={operation_id!r}, method={method.upper()!r},"
            f" path={path!r}, idempotent={idempotent!r}, auth={auth!r}),"
        )
    return TABLES["operations"].render(api, document, entries)


def _model_of(ref: Any, models: str, where: str) -> str:
    """The generated class name that the schema reference ``ref`` names.

    Raises :class:`CodegenError` when ``ref`` is not a component schema with a generated class.
    """
    prefix = "#/components/schemas/"
    model = ref.removeprefix(prefix) if isinstance(ref, str) else ""
    if not model or not ref.startswith(prefix) or not re.search(rf"^class {model}\b", models, re.M):
        raise CodegenError(f"{where}: {ref} is not a generated model")
    return model


def _response_schema(document: Mapping[str, Any], operation: Mapping[str, Any]) -> Any:
    """The JSON schema of the operation's first 2xx answer with a JSON body, or ``None``."""
    for status, response in operation.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        if "$ref" in response:
            response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            return schema
    return None


def render_responses(api: str, document: Mapping[str, Any], models: str) -> str:
    """Return the source of ``storeflow/<api>/_responses.py`` for the parsed schema ``document``.

    Each operation whose successful answer is JSON maps to the model of that answer, and to
    whether the answer is a bare array of them. Raises :class:`CodegenError` when such an answer
    is neither a component schema nor an array of one.
    """
    entries: list[str] = []
    for path, method, operation, _ in operations(document):
        schema = _response_schema(document, operation)
        if schema is None:
            continue
        where = f"the answer of {method.upper()} {path} in schemas/{api}.yaml"
        array = schema.get("type") == "array"
        ref = schema.get("items", {}).get("$ref") if array else schema.get("$ref")
        model = _model_of(ref, models, where)
        entries.append(f"    {operation['operationId']!r}: (models.{model}, {array!r}),")
    return TABLES["responses"].render(api, document, entries)


def render_webhooks(api: str, document: Mapping[str, Any], models: str) -> str:
    """Return the source of ``storeflow/<api>/_webhooks.py`` for the parsed schema ``document``.

    ``models`` is the generated models module, which must define each event's class. Raises
    :class:`CodegenError` when a webhook has no ``post`` with a JSON body that refers to a
    component schema, or that schema produced no class of the same name.
    """
    entries: list[str] = []
    for name, item in document.get("webhooks", {}).items():
        where = f"webhook {name!r} in schemas/{api}.yaml"
        try:
            ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        except (KeyError, TypeError):
            raise CodegenError(f"{where} has no post with a JSON body $ref") from None
        entries.append(f"    {name!r}: models.{_model_of(ref, models, where)},")
    return TABLES["webhooks"].render(api, document, entries)


def render(schema_dir: Path) -> dict[Path, str]:
    """Return every generated file's source, keyed by its path relative to ``src/storeflow``.

    Raises :class:`CodegenError` as :func:`api_names`, :func:`render_models`,
    :func:`render_operations`, :func:`render_webhooks` and :func:`render_responses` do, and
    when ``schema_dir`` holds a ``.yaml`` schema of an API that ``API_NAMES`` does not list.
    """
    from codegen._params import render_params  # imports this module's helpers

    apis = api_names()
    # A schema no API names would silently produce nothing: refuse it.
    unnamed = sorted(p.name for p in schema_dir.glob("*.yaml") if p.stem not in apis)
    if unnamed:
        raise CodegenError(
            f"{', '.join(unnamed)} in {schema_dir} belong to no API of {API_NAMES_SOURCE.name}"
        )
    files: dict[Path, str] = {}
    for api in apis:
        schema = schema_dir / f"{api}.yaml"
        document = _load(schema)
        models = render_models(api, document)
        files[Path(api, "models.py")] = models
        files[Path(api, "_operations.py")] = render_operations(api, document)
        files[Path(api, "_params.py")] = render_params(api, document)
        files[Path(api, "_webhooks.py")] = render_webhooks(api, document, models)
        files[Path(api, "_responses.py")] = render_responses(api, document, models)
    return files


def stale(files: Mapping[Path, str], out_dir: Path) -> list[Path]:
    """Return the paths in ``files`` whose copy under ``out_dir`` is missing or different."""
    return [
        path
        for path, source in files.items()
        if not (out_dir / path).is_file() or (out_dir / path).read_bytes() != source.encode()
    ]


def write(files: Mapping[Path, str], out_dir: Path) -> None:
    """Write ``files`` under ``out_dir`` as UTF-8 with ``\\n`` line ends, creating folders."""
    for path, source in files.items():
        (out_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / path).write_bytes(source.encode())
