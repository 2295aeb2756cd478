"""Real DuckDB warehouses in tmp, laid out like the dbt project's: schema dbt_lana_reports,
one text table per report model, and report_as_of."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from generate_es_reports.config import load_config
from generate_es_reports.formats import layout

XSD_DIR = Path(__file__).resolve().parents[1] / "generate_es_reports" / "xsd"
GARANTIA_XSD = XSD_DIR / "ssf_ctri_referencia_garantia.xsd"
GARANTIA_COLUMNS = [c.name for c in layout(GARANTIA_XSD).columns]
AS_OF = "2025-03-31"

# A guarantee whose identification carries everything XML, CSV and TXT must escape or keep.
TRICKY = {
    "num_referencia": "1001",
    "cod_cartera": "01",
    "cod_activo": "PD",
    "identificacion_garantia": "A&B <ñ> \"q\" 'é'|,",
    "tipo_garantia": "PC",
    "valor_garantia_proporcional": "1234.50",
}
PLAIN = {**TRICKY, "num_referencia": "1002", "identificacion_garantia": "Año Ü"}


def create_warehouse(path: Path, tables: dict[str, tuple[list[str], list[dict]]], as_of=AS_OF):
    """A DuckDB file with dbt_lana_reports.<table> (every column text) and report_as_of."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists dbt_lana_reports")
        if as_of is not None:
            con.execute(
                "create table dbt_lana_reports.report_as_of as select ? as as_of_date", [as_of]
            )
        for table, (columns, rows) in tables.items():
            spec = ", ".join(f'"{c}" varchar' for c in columns)
            con.execute(f"create table dbt_lana_reports.{table} ({spec})")
            for row in rows:
                con.execute(
                    f"insert into dbt_lana_reports.{table} values "
                    f"({', '.join('?' for _ in columns)})",
                    [row.get(c) for c in columns],
                )
    return path


def write_config(path: Path, reports: list[dict]) -> Path:
    path.write_text(
        yaml.safe_dump(
            {"schema": "dbt_lana_reports", "as_of_model": "report_as_of", "reports": reports}
        ),
        encoding="utf-8",
    )
    return path


def garantia_report(model: str = "garantias", file: str = "garantia", rid: str = "01_garantia"):
    return {
        "norm": "nrp_92",
        "id": rid,
        "file": file,
        "model": model,
        "supports_as_of": True,
        "outputs": [
            {"format": "xml", "xsd": GARANTIA_XSD.name},
            {"format": "csv"},
            {"format": "txt"},
        ],
    }


@pytest.fixture
def warehouse_path(tmp_path) -> Path:
    """Two guarantees (one full of special characters), and an empty table of the same shape."""
    return create_warehouse(
        tmp_path / "lana.duckdb",
        {
            "garantias": (GARANTIA_COLUMNS, [TRICKY, PLAIN]),
            "garantias_empty": (GARANTIA_COLUMNS, []),
        },
    )


@pytest.fixture
def config_path(tmp_path) -> Path:
    return write_config(tmp_path / "reports.yml", [garantia_report()])


@pytest.fixture
def config(config_path):
    return load_config(config_path)
