"""The XSD layouts, the XML writer and the validation, on the packaged schemas and samples."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from generate_es_reports.config import XSD_DIR
from generate_es_reports.formats import (
    DelimitedWriter,
    ReportError,
    XmlWriter,
    layout,
    validate_file,
    xml_errors,
)

from .conftest import GARANTIA_COLUMNS, GARANTIA_XSD, TRICKY

SAMPLES = XSD_DIR / "samples"

# A schema of our own, for what no SSF schema has: optional elements and unrestricted text.
TEST_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
           targetNamespace="urn:test" xmlns="urn:test">
  <xs:element name="doc"><xs:complexType>
    <xs:sequence minOccurs="0" maxOccurs="unbounded">
      <xs:element name="item"><xs:complexType><xs:sequence>
        <xs:element name="code" type="xs:string"/>
        <xs:element name="note" type="xs:string" nillable="true"/>
        <xs:element name="extra" type="xs:string" minOccurs="0"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:sequence>
  </xs:complexType></xs:element>
</xs:schema>
"""


@pytest.fixture
def test_xsd(tmp_path):
    path = tmp_path / "test.xsd"
    path.write_text(TEST_XSD, encoding="utf-8")
    return path


def write_xml(path, xsd, columns, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = XmlWriter(out, xsd, columns)
        for row in rows:
            writer.write(row)
        writer.close()
    return path


def parse_rows(path, xsd) -> list[dict]:
    """The rows back from the XML: {column: text, or None for xsi:nil}."""
    shape = layout(xsd)
    ns = f"{{{shape.namespace}}}"
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    root = ET.parse(path).getroot()
    assert root.tag == ns + shape.root
    return [
        {
            child.tag.removeprefix(ns): None if child.get(nil) == "true" else (child.text or "")
            for child in row
        }
        for row in root
    ]


@pytest.mark.parametrize("xsd", sorted(XSD_DIR.glob("ssf_*.xsd")), ids=lambda p: p.stem)
def test_every_packaged_xsd_has_the_ssf_shape(xsd):
    shape = layout(xsd)
    kind, name = xsd.stem.split("_", 2)[1:]
    assert (shape.root, shape.row) == (kind, name)
    assert shape.namespace == f"http://validador.ssf.gob.sv/{kind}/{name}"
    assert shape.columns and len({c.name for c in shape.columns}) == len(shape.columns)


def test_samples_are_judged_as_their_names_say():
    """persona.xml is valid against persona.xsd; persona-bad.xml is not, for tipo_persona=10."""
    xsd = SAMPLES / "persona.xsd"
    assert xml_errors(SAMPLES / "persona.xml", xsd) == []
    validate_file(SAMPLES / "persona.xml", xsd)
    errors = xml_errors(SAMPLES / "persona-bad.xml", xsd)
    assert errors == ["/ctri/persona[1]/tipo_persona: length has to be 1"]
    with pytest.raises(ReportError, match=r"persona-bad\.xml is not valid against persona\.xsd"):
        validate_file(SAMPLES / "persona-bad.xml", xsd)


def test_columns_in_schema_order_whatever_the_model_order(tmp_path):
    reordered = list(reversed(GARANTIA_COLUMNS))
    path = write_xml(
        tmp_path / "g.xml", GARANTIA_XSD, reordered, [tuple(TRICKY[c] for c in reordered)]
    )
    assert xml_errors(path, GARANTIA_XSD) == []
    row = ET.parse(path).getroot()[0]
    assert [child.tag.split("}")[1] for child in row] == GARANTIA_COLUMNS
    assert parse_rows(path, GARANTIA_XSD) == [TRICKY]


def test_text_round_trips_exactly(tmp_path, test_xsd):
    """Markup, quotes, accents, tabs, CR/LF, edge spaces, ']]>' and a non-BMP character."""
    values = [
        "A&B <x> \"q\" 'a' &amp; ]]>",
        "Peña Nieto, São Paulo, Zürich",
        "  two\r\nlines\tand\rCR  ",
        "\U0001f600 end",
    ]
    rows = [(v, v, v) for v in values]
    path = write_xml(tmp_path / "t.xml", test_xsd, ["code", "note", "extra"], rows)
    assert xml_errors(path, test_xsd) == []
    assert parse_rows(path, test_xsd) == [{"code": v, "note": v, "extra": v} for v in values]


def test_null_is_nil_when_nillable_left_out_when_optional(tmp_path, test_xsd):
    path = write_xml(tmp_path / "n.xml", test_xsd, ["code", "note", "extra"], [("1", None, None)])
    assert xml_errors(path, test_xsd) == []
    assert parse_rows(path, test_xsd) == [{"code": "1", "note": None}]
    assert 'xsi:nil="true"' in path.read_text(encoding="utf-8")


def test_null_where_the_xsd_requires_a_value_fails(tmp_path, test_xsd):
    with pytest.raises(ReportError, match=r"row 1: code is NULL, but test\.xsd requires <code>"):
        write_xml(tmp_path / "r.xml", test_xsd, ["code", "note", "extra"], [(None, "x", "y")])


def test_characters_xml_cannot_carry_fail(tmp_path, test_xsd):
    with pytest.raises(ReportError, match=r"row 2: note holds U\+0001"):
        write_xml(
            tmp_path / "c.xml",
            test_xsd,
            ["code", "note"] + ["extra"],
            [("1",) * 3, ("1", "a\x01", "")],
        )


def test_columns_must_be_the_xsd_elements(tmp_path):
    columns = [*GARANTIA_COLUMNS[:-1], "valor"]
    with pytest.raises(
        ReportError, match=r"missing \['valor_garantia_proporcional'\], not in the XSD \['valor'\]"
    ):
        write_xml(tmp_path / "m.xml", GARANTIA_XSD, columns, [])


def test_values_print_exactly_and_floats_are_refused(tmp_path, test_xsd):
    path = write_xml(
        tmp_path / "v.xml", test_xsd, ["code", "note", "extra"], [(Decimal("1.10"), 7, True)]
    )
    assert parse_rows(path, test_xsd) == [{"code": "1.10", "note": "7", "extra": "true"}]
    with pytest.raises(ReportError, match="column 'code' holds a float"):
        write_xml(tmp_path / "f.xml", test_xsd, ["code", "note", "extra"], [(0.1, "", "")])


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("num_referencia", "1" * 21, "value length cannot be greater than 20"),
        ("valor_garantia_proporcional", "1.234", "fraction digits"),
        ("tipo_garantia", "XX", "value must be one of ['HA'"),
        ("cod_cartera", "1", "length has to be 2"),
    ],
)
def test_validation_names_the_path_and_reason(tmp_path, column, value, reason):
    row = tuple(value if c == column else TRICKY[c] for c in GARANTIA_COLUMNS)
    path = write_xml(
        tmp_path / "g.xml", GARANTIA_XSD, GARANTIA_COLUMNS, [tuple(TRICKY.values()), row]
    )
    errors = xml_errors(path, GARANTIA_XSD)
    assert len(errors) == 1
    assert errors[0].startswith(f"/ctri/referencia_garantia[2]/{column}: ")
    assert reason in errors[0]


def test_dates_are_checked():
    """An impossible date and the wrong format both fail (xs:date of ssf_ctri_persona.xsd)."""
    xsd = XSD_DIR / "ssf_ctri_persona.xsd"
    element = layout(xsd).schema.find(".//{*}fecha_nacimiento")
    assert element.type.is_valid("1990-02-01")
    assert not element.type.is_valid("1990-02-30")
    assert not element.type.is_valid("19900201")


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("txt", "|")])
def test_delimited_files_parse_back_to_the_rows(fmt, delimiter):
    columns = ["Código", "nota", "vacío"]
    rows = [("1", 'A,B|C "q"\nline', None), ("2", "ñ", "")]
    out = io.StringIO(newline="")
    writer = DelimitedWriter(out, fmt, columns)
    for row in rows:
        writer.write(row)
    parsed = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=delimiter))
    assert parsed[0] == columns
    assert parsed[1:] == [["" if v is None else v for v in row] for row in rows]
    assert out.getvalue().startswith(delimiter.join(columns) + "\n")
