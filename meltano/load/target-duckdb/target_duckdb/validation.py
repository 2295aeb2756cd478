"""Record validation with the SDK's semantics, at a fraction of the cost.

The SDK validates every record with ``jsonschema`` (Draft 2020-12), ~130 µs per record:
slower than tap-postgres produces rows. Stream schemas are flat (nested values land in
JSON columns), so this validator checks ``required`` keys and each top-level value's JSON
type with plain ``type()`` lookups, and hands only properties with further keywords
(``maxLength``, ``enum``, ``anyOf``, ``minimum``...) to ``jsonschema``. Same verdicts,
same :class:`~singer_sdk.exceptions.InvalidRecord` errors.
"""

from __future__ import annotations

import decimal
import typing as t

import jsonschema
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

# Keywords that constrain nothing beyond "type" (formats are not validated by default).
_ANNOTATIONS = {
    "type",
    "title",
    "description",
    "$comment",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "format",
}
_TOP_LEVEL_OK = {"type", "properties", "required", "additionalProperties", "$schema"} | _ANNOTATIONS

_EXACT_TYPES: dict[str, set[type]] = {
    "null": {type(None)},
    "boolean": {bool},
    "integer": {int},
    "number": {int, float, decimal.Decimal},
    "string": {str},
    "object": {dict},
    "array": {list},
}


def _slow_type_check(value: t.Any, json_types: set[str]) -> bool:
    """jsonschema's own type rules, for values whose exact type was not in the fast set."""
    checker = DEFAULT_JSONSCHEMA_VALIDATOR.TYPE_CHECKER
    return any(checker.is_type(value, name) for name in json_types)


class FastRecordValidator(BaseJSONSchemaValidator):
    """Validate flat records like the SDK's ``JSONSchemaValidator``, fast."""

    def __init__(
        self,
        schema: dict,
        *,
        validate_formats: bool = False,
        format_checker: jsonschema.FormatChecker | None = None,
    ) -> None:
        super().__init__(schema)
        if not validate_formats:
            format_checker = jsonschema.FormatChecker(formats=())
        elif format_checker is None:
            format_checker = DEFAULT_JSONSCHEMA_VALIDATOR.FORMAT_CHECKER
        try:
            DEFAULT_JSONSCHEMA_VALIDATOR.check_schema(schema)
        except jsonschema.SchemaError as e:
            msg = f"Schema Validation Error: {e}"
            raise InvalidJSONSchema(msg) from e

        self._full: jsonschema.protocols.Validator | None = None
        if set(schema) - _TOP_LEVEL_OK or not isinstance(schema.get("properties", {}), dict):
            # Unusual top level: let jsonschema do all of it.
            self._full = DEFAULT_JSONSCHEMA_VALIDATOR(schema, format_checker=format_checker)
            return
        self._required: list[str] = list(schema.get("required", []))
        properties: dict = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        self._allowed_keys: set[str] | None = set(properties) if extra is False else None
        self._extra_validator = (
            DEFAULT_JSONSCHEMA_VALIDATOR(extra, format_checker=format_checker)
            if isinstance(extra, dict) and extra
            else None
        )
        self._checks: list[tuple[str, set[type], set[str], t.Any]] = []
        for name, prop in properties.items():
            if prop is True or prop == {}:
                continue
            raw = prop.get("type") if isinstance(prop, dict) else None
            json_types = {raw} if isinstance(raw, str) else set(raw or ())
            rest = set(prop) - _ANNOTATIONS if isinstance(prop, dict) else {"?"}
            if validate_formats and isinstance(prop, dict) and "format" in prop:
                rest.add("format")
            if not json_types or rest or not json_types <= set(_EXACT_TYPES):
                sub = DEFAULT_JSONSCHEMA_VALIDATOR(prop, format_checker=format_checker)
                self._checks.append((name, set(), set(), sub))
                continue
            fast = set().union(*(_EXACT_TYPES[j] for j in json_types))
            self._checks.append((name, fast, json_types, None))

    def validate(self, record: dict) -> None:
        if self._full is not None:
            try:
                self._full.validate(record)
            except jsonschema.ValidationError as e:
                raise InvalidRecord(e.message, record) from e
            return
        for key in self._required:
            if key not in record:
                raise InvalidRecord(f"'{key}' is a required property", record)
        if self._allowed_keys is not None and (unknown := record.keys() - self._allowed_keys):
            raise InvalidRecord(
                f"Additional properties are not allowed ({sorted(unknown)!r} were unexpected)",
                record,
            )
        if self._extra_validator is not None:
            for key in record.keys() - set(self.schema.get("properties", {})):
                self._validate_sub(self._extra_validator, record[key], record)
        for name, fast, json_types, sub in self._checks:
            if name not in record:
                continue
            value = record[name]
            if sub is not None:
                self._validate_sub(sub, value, record)
            elif type(value) not in fast and not _slow_type_check(value, json_types):
                types = ", ".join(repr(j) for j in sorted(json_types))
                raise InvalidRecord(f"{name}: {value!r} is not of type {types}", record)

    @staticmethod
    def _validate_sub(validator: t.Any, value: t.Any, record: dict) -> None:
        try:
            validator.validate(value)
        except jsonschema.ValidationError as e:
            raise InvalidRecord(e.message, record) from e
