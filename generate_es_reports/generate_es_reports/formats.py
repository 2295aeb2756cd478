"""The file formats: XML laid out by its XSD (and validated with xmlschema), CSV and TXT.

XML: the XSD's target namespace (the default namespace of the document), its root element,
one row element per row and one child per column, in the order the XSD declares them. Text is
escaped (`&`, `<`, `>`; a carriage return as `&#13;` so parsers keep it), never altered. NULL is
written as the XSD allows: `xsi:nil="true"` when the element is nillable, left out when it is
optional, and an error otherwise. CSV (`,`) and TXT (`|`): UTF-8 without BOM, a header row,
`\\n` line ends, quoted only when needed; NULL is an empty field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import xmlschema

XSI = "http://www.w3.org/2001/XMLSchema-instance"
# Characters XML 1.0 cannot carry at all (not even as a character reference).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DELIMITERS = {"csv": ",", "txt": "|"}
MAX_ERRORS = 5


class ReportError(RuntimeError):
    """A report cannot be written as asked (bad value, invalid XML, missing column...)."""


def text(value: object, column: str) -> str:
    """A warehouse value as the exact text of a field. Report models deliver text already;
    numbers and dates are printed exactly, floats refused (money is never a float)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise ReportError(
        f"column {column!r} holds a {type(value).__name__} ({value!r}): report models deliver "
        "text (a float is never exact money); format it in the model"
    )


@dataclass(frozen=True)
class Column:
    name: str
    nillable: bool
    optional: bool


@dataclass(frozen=True)
class XsdLayout:
    """What a file of this XSD looks like: namespace, root and row element, columns in order."""

    xsd: Path
    schema: xmlschema.XMLSchema
    namespace: str
    root: str
    row: str
    columns: tuple[Column, ...]


@cache
def layout(xsd: Path) -> XsdLayout:
    """Read an XSD of the SSF shape: a root whose sequence repeats one row element, whose
    sequence or `xs:all` holds one simple-typed element per column."""
    schema = xmlschema.XMLSchema(str(xsd))
    if not schema.elements:
        raise ReportError(f"{xsd.name}: no global element to use as the root")
    root = next(iter(schema.elements.values()))
    content = getattr(root.type, "content", None)
    rows = [e for e in content or [] if isinstance(e, xmlschema.XsdElement)]
    if content is None or len(rows) != 1:
        raise ReportError(f"{xsd.name}: root {root.local_name!r} does not repeat one row element")
    row = rows[0]
    fields = getattr(row.type, "content", None)
    columns = []
    for element in fields or []:
        if not isinstance(element, xmlschema.XsdElement) or not element.type.is_simple():
            raise ReportError(f"{xsd.name}: {row.local_name!r} holds more than simple elements")
        if element.name != f"{{{schema.target_namespace}}}{element.local_name}":
            raise ReportError(f"{xsd.name}: element {element.local_name!r} is not qualified")
        columns.append(Column(element.local_name, element.nillable, element.min_occurs == 0))
    if not columns:
        raise ReportError(f"{xsd.name}: the row element {row.local_name!r} has no columns")
    return XsdLayout(
        xsd=xsd,
        schema=schema,
        namespace=schema.target_namespace,
        root=root.local_name,
        row=row.local_name,
        columns=tuple(columns),
    )


class XmlWriter:
    """Writes the rows of a report as the XSD's document, streaming to `out`."""

    def __init__(self, out: IO[str], xsd: Path, columns: list[str]):
        self.out = out
        self.layout = layout(xsd)
        names = [c.name for c in self.layout.columns]
        required = {c.name for c in self.layout.columns if not c.optional}
        missing, extra = required - set(columns), set(columns) - set(names)
        if missing or extra:
            raise ReportError(
                f"the model's columns differ from the elements of <{self.layout.row}> in "
                f"{xsd.name}: missing {sorted(missing)}, not in the XSD {sorted(extra)}"
            )
        # optional elements the model does not have are never written
        self.index = [
            columns.index(c.name) if c.name in columns else None for c in self.layout.columns
        ]
        self.rows = 0
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        namespace = quoteattr(self.layout.namespace)
        out.write(f'<{self.layout.root} xmlns={namespace} xmlns:xsi="{XSI}">\n')

    def write(self, row: tuple) -> None:
        self.rows += 1
        parts = [f"<{self.layout.row}>"]
        for column, i in zip(self.layout.columns, self.index, strict=True):
            value = None if i is None else row[i]
            tag = column.name
            if value is None:
                if column.nillable:
                    parts.append(f'<{tag} xsi:nil="true"/>')
                elif not column.optional:
                    raise ReportError(
                        f"row {self.rows}: {tag} is NULL, but {self.layout.xsd.name} requires "
                        f"<{tag}> (neither nillable nor optional)"
                    )
                continue
            value = text(value, tag)
            bad = NOT_XML.search(value)
            if bad:
                raise ReportError(
                    f"row {self.rows}: {tag} holds U+{ord(bad.group()):04X}, "
                    "a character XML cannot carry"
                )
            parts.append(f"<{tag}>{escape(value, {chr(13): '&#13;'})}</{tag}>")
        parts.append(f"</{self.layout.row}>\n")
        self.out.write("".join(parts))

    def close(self) -> None:
        self.out.write(f"</{self.layout.root}>\n")


class DelimitedWriter:
    """CSV (`,`) or TXT (`|`): header row, then one line per row; NULL is an empty field."""

    def __init__(self, out: IO[str], fmt: str, columns: list[str]):
        self.columns = columns
        self.writer = csv.writer(out, delimiter=DELIMITERS[fmt], lineterminator="\n")
        self.writer.writerow(columns)
        self.rows = 0

    def write(self, row: tuple) -> None:
        self.rows += 1
        self.writer.writerow(
            "" if v is None else text(v, c) for c, v in zip(self.columns, row, strict=True)
        )

    def close(self) -> None:
        pass


def xml_errors(path: Path, xsd: Path, limit: int = MAX_ERRORS) -> list[str]:
    """The first `limit` reasons `path` is not valid against `xsd`, as 'path: reason'; [] when
    it is valid. The document is read lazily (a subtree at a time), not held whole."""
    resource = xmlschema.XMLResource(str(path), lazy=True)
    try:
        errors = list(islice(layout(xsd).schema.iter_errors(resource), limit))
    except xmlschema.XMLResourceError as e:
        return [f"not well-formed XML: {e}"]
    return [f"{e.path or '/'}: {e.reason}" for e in errors]


def validate_file(path: Path, xsd: Path) -> None:
    """Raise ReportError naming the file, the paths and reasons of the first errors."""
    errors = xml_errors(path, xsd)
    if errors:
        raise ReportError(f"{path.name} is not valid against {xsd.name}: " + "; ".join(errors))
