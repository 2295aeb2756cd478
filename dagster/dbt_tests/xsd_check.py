"""A small XSD checker for the SSF report schemas (neither xmlschema nor lxml is installed).

The SSF schemas all have one shape: a root element whose sequence repeats one row element,
whose `xs:all` holds one element per column, each a simple type: a restriction of xs:string,
xs:decimal, xs:date, xs:int or xs:short with facets (length, minLength, maxLength, enumeration,
whiteSpace, totalDigits, fractionDigits, minInclusive, maxInclusive), or a plain built-in type.
`Schema` reads exactly that shape (and refuses anything else), `Schema.document(rows)` builds the
XML a report file holds (namespace-qualified, NULL as xsi:nil) and `Schema.validate(xml)` checks
a serialized document against it: root and row names, every element of `xs:all` once, nil only
where nillable, every value against its type and facets.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

XS = "{http://www.w3.org/2001/XMLSchema}"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
BASES = {"string", "decimal", "date", "int", "short"}
INT_RANGES = {"int": (-(2**31), 2**31 - 1), "short": (-(2**15), 2**15 - 1)}
DECIMAL_LEXICAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
INTEGER_LEXICAL = re.compile(r"^[+-]?\d+$")
DATE_LEXICAL = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class SimpleType:
    base: str
    facets: dict[str, str] = field(default_factory=dict)
    enumeration: list[str] | None = None

    def errors(self, raw: str) -> list[str]:
        """Why `raw` (element text) is not a valid value of this type; [] when it is."""
        value = raw
        if self.facets.get("whiteSpace") == "collapse" or self.base != "string":
            value = " ".join(raw.split())
        problems: list[str] = []
        if self.enumeration is not None and value not in self.enumeration:
            problems.append(f"{value!r} not in enumeration {self.enumeration}")
        if self.base == "string":
            n = len(value)
            f = self.facets
            if "length" in f and n != int(f["length"]):
                problems.append(f"length {n} != {f['length']}")
            if "minLength" in f and n < int(f["minLength"]):
                problems.append(f"length {n} < minLength {f['minLength']}")
            if "maxLength" in f and n > int(f["maxLength"]):
                problems.append(f"length {n} > maxLength {f['maxLength']}")
        elif self.base == "decimal":
            problems += self._decimal_errors(value)
        elif self.base == "date":
            problems += self._date_errors(value)
        else:
            problems += self._integer_errors(value)
        return problems

    def _decimal_errors(self, value: str) -> list[str]:
        if not DECIMAL_LEXICAL.match(value):
            return [f"{value!r} is not an xs:decimal"]
        digits = value.lstrip("+-")
        whole, _, fraction = digits.partition(".")
        fraction = fraction.rstrip("0")
        whole = whole.lstrip("0")
        problems = []
        if "totalDigits" in self.facets and len(whole) + len(fraction) > int(
            self.facets["totalDigits"]
        ):
            problems.append(f"{value!r} has more than {self.facets['totalDigits']} digits")
        if "fractionDigits" in self.facets and len(fraction) > int(self.facets["fractionDigits"]):
            problems.append(
                f"{value!r} has more than {self.facets['fractionDigits']} fraction digits"
            )
        problems += self._range_errors(Decimal(value), Decimal)
        return problems

    def _date_errors(self, value: str) -> list[str]:
        try:
            if not DATE_LEXICAL.match(value):
                raise ValueError
            parsed = date.fromisoformat(value)
        except ValueError:
            return [f"{value!r} is not an xs:date (YYYY-MM-DD)"]
        return self._range_errors(parsed, date.fromisoformat)

    def _integer_errors(self, value: str) -> list[str]:
        if not INTEGER_LEXICAL.match(value):
            return [f"{value!r} is not an xs:{self.base}"]
        number = int(value)
        low, high = INT_RANGES[self.base]
        if not low <= number <= high:
            return [f"{value!r} is out of the xs:{self.base} range"]
        return self._range_errors(number, int)

    def _range_errors(self, value, parse) -> list[str]:
        problems = []
        try:
            if "minInclusive" in self.facets and value < parse(self.facets["minInclusive"]):
                problems.append(f"{value} < minInclusive {self.facets['minInclusive']}")
            if "maxInclusive" in self.facets and value > parse(self.facets["maxInclusive"]):
                problems.append(f"{value} > maxInclusive {self.facets['maxInclusive']}")
        except (InvalidOperation, ValueError) as error:  # a facet the schema spells oddly
            problems.append(f"cannot compare with the facet: {error}")
        return problems


@dataclass
class Column:
    name: str
    nillable: bool
    type: SimpleType


class Schema:
    """One SSF report schema (ssf_cebi_* / ssf_ctri_*)."""

    def __init__(self, path: Path):
        root = ET.parse(path).getroot()
        self.namespace = root.get("targetNamespace")
        top = root.find(XS + "element")
        sequence = top.find(f"{XS}complexType/{XS}sequence")
        assert sequence is not None and sequence.get("minOccurs") == "1", path
        row = sequence.find(XS + "element")
        self.root_name, self.row_name = top.get("name"), row.get("name")
        self.columns: dict[str, Column] = {}
        for element in row.find(f"{XS}complexType/{XS}all").findall(XS + "element"):
            self.columns[element.get("name")] = Column(
                element.get("name"), element.get("nillable") == "true", _simple_type(element)
            )

    def _q(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def document(self, column_names: list[str], rows: list[tuple]) -> bytes:
        """The report file: one row element per row, one child per column, NULL as xsi:nil."""
        ET.register_namespace("", self.namespace)
        root = ET.Element(self._q(self.root_name))
        for row in rows:
            row_element = ET.SubElement(root, self._q(self.row_name))
            for name, value in zip(column_names, row, strict=True):
                child = ET.SubElement(row_element, self._q(name))
                if value is None:
                    child.set(XSI_NIL, "true")
                else:
                    child.text = str(value)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def validate(self, document: bytes) -> list[str]:
        """Every way `document` breaks the schema, as 'row N / element: reason'."""
        root = ET.fromstring(document)
        if root.tag != self._q(self.root_name):
            return [f"root is {root.tag}, expected {self._q(self.root_name)}"]
        rows = list(root)
        if not rows:
            return ["no row element: the schema wants at least one"]
        errors = []
        for n, row in enumerate(rows, 1):
            if row.tag != self._q(self.row_name):
                errors.append(f"row {n}: element {row.tag}, expected {self._q(self.row_name)}")
                continue
            seen: set[str] = set()
            for child in row:
                name = child.tag.removeprefix(f"{{{self.namespace}}}")
                where = f"row {n} / {name}"
                column = self.columns.get(name)
                if column is None or name in seen:
                    errors.append(f"{where}: unexpected or repeated element")
                    continue
                seen.add(name)
                if child.get(XSI_NIL) in ("true", "1"):
                    if not column.nillable:
                        errors.append(f"{where}: nil but the element is not nillable")
                    elif child.text:
                        errors.append(f"{where}: nil element with content")
                    continue
                errors += [f"{where}: {e}" for e in column.type.errors(child.text or "")]
            missing = set(self.columns) - seen
            if missing:
                errors.append(f"row {n}: missing elements {sorted(missing)}")
        return errors


def _simple_type(element: ET.Element) -> SimpleType:
    if element.get("type"):
        base = element.get("type").removeprefix("xs:")
        assert base in BASES, base
        return SimpleType(base)
    restriction = element.find(f"{XS}simpleType/{XS}restriction")
    assert restriction is not None, element.get("name")
    base = restriction.get("base").removeprefix("xs:")
    assert base in BASES, base
    facets: dict[str, str] = {}
    enumeration: list[str] | None = None
    for facet in restriction:
        tag = facet.tag.removeprefix(XS)
        if tag == "enumeration":
            enumeration = [*(enumeration or []), facet.get("value")]
        else:
            facets[tag] = facet.get("value")
    return SimpleType(base, facets, enumeration)
