"""Runs end to end on real warehouses (DuckDB files, a PostgreSQL database) into local and
memory:// destinations: what lands, the manifest, and what never lands."""

from __future__ import annotations

import csv
import hashlib
import json
import uuid

import fsspec
import psycopg
import pytest
from generate_es_reports.config import load_config
from generate_es_reports.formats import ReportError
from generate_es_reports.run import run
from generate_es_reports.warehouse import DuckDB, Postgres

from .conftest import (
    AS_OF,
    GARANTIA_COLUMNS,
    GARANTIA_XSD,
    PLAIN,
    TRICKY,
    create_warehouse,
    garantia_report,
    write_config,
)
from .test_formats import parse_rows

ROWS = [TRICKY, PLAIN]  # ordered by every column: 1001 before 1002


def read_delimited(path, delimiter):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def files_under(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_run_writes_every_format_and_the_manifest(warehouse_path, config, tmp_path):
    out = tmp_path / "out"
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, out, config=config, run_id="r1", only=["nrp_92"])
    assert not current.failed
    folder = out / "r1"
    assert files_under(out) == {
        "r1/nrp_92/garantia.xml",
        "r1/nrp_92/garantia.csv",
        "r1/nrp_92/garantia.txt",
        "r1/manifest.json",
    }
    # the same rows, exactly, from every format
    assert parse_rows(folder / "nrp_92" / "garantia.xml", GARANTIA_XSD) == ROWS
    assert read_delimited(folder / "nrp_92" / "garantia.csv", ",") == ROWS
    assert read_delimited(folder / "nrp_92" / "garantia.txt", "|") == ROWS
    text = (folder / "nrp_92" / "garantia.xml").read_text(encoding="utf-8")
    assert (
        "<identificacion_garantia>A&amp;B &lt;ñ&gt; \"q\" 'é'|,</identificacion_garantia>" in text
    )

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == "r1" and manifest["as_of_date"] == AS_OF
    assert manifest["failed"] == [] and manifest["skipped"] == []
    assert [f["path"] for f in manifest["files"]] == [
        "nrp_92/garantia.xml",
        "nrp_92/garantia.csv",
        "nrp_92/garantia.txt",
    ]
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert (entry["rows"], entry["bytes"], entry["report"]) == (
            2,
            len(data),
            "nrp_92/01_garantia",
        )


def test_a_value_too_long_fails_its_report_and_lands_nothing(tmp_path):
    """The other report of the run is still written; the failure names file, path and reason."""
    too_long = {**PLAIN, "num_referencia": "9" * 21}
    warehouse_path = create_warehouse(
        tmp_path / "w.duckdb",
        {"bad": (GARANTIA_COLUMNS, [TRICKY, too_long]), "good": (GARANTIA_COLUMNS, [PLAIN])},
    )
    config = load_config(
        write_config(
            tmp_path / "reports.yml",
            [garantia_report("bad", "bad", "01_bad"), garantia_report("good", "good", "02_good")],
        )
    )
    out = tmp_path / "out"
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, out, config=config, run_id="r1", only=["nrp_92"])
    [failed] = current.failed
    assert failed.report.key == "nrp_92/01_bad"
    assert failed.error == (
        "nrp_92/bad.xml is not valid against ssf_ctri_referencia_garantia.xsd, not written: "
        "/ctri/referencia_garantia[2]/num_referencia: value length cannot be greater than 20"
    )
    # nothing of the failed report (not even its valid CSV), no temporary file
    assert files_under(out) == {
        "r1/nrp_92/good.xml",
        "r1/nrp_92/good.csv",
        "r1/nrp_92/good.txt",
        "r1/manifest.json",
    }
    manifest = json.loads((out / "r1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == [{"report": "nrp_92/01_bad", "error": failed.error}]


def test_an_empty_report_writes_headers_and_says_why_there_is_no_xml(warehouse_path, tmp_path):
    """The SSF schemas want at least one row: no empty XML is valid, so none is shipped."""
    config = load_config(
        write_config(tmp_path / "reports.yml", [garantia_report("garantias_empty", "empty")])
    )
    out = tmp_path / "out"
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, out, config=config, run_id="r1")
    assert not current.failed
    assert files_under(out) == {"r1/nrp_92/empty.csv", "r1/nrp_92/empty.txt", "r1/manifest.json"}
    assert (out / "r1/nrp_92/empty.csv").read_text(encoding="utf-8") == ",".join(
        GARANTIA_COLUMNS
    ) + "\n"
    manifest = json.loads((out / "r1" / "manifest.json").read_text(encoding="utf-8"))
    [skipped] = manifest["skipped"]
    assert skipped["path"] == "nrp_92/empty.xml"
    assert "is not complete" in skipped["reason"]
    assert [f["rows"] for f in manifest["files"]] == [0, 0]


def test_an_empty_report_is_a_valid_xml_file_when_the_xsd_allows_it(tmp_path):
    xsd = tmp_path / "xsd" / "test.xsd"
    xsd.parent.mkdir()
    from .test_formats import TEST_XSD

    xsd.write_text(TEST_XSD, encoding="utf-8")
    warehouse_path = create_warehouse(tmp_path / "w.duckdb", {"items": (["code", "note"], [])})
    config = load_config(
        write_config(
            tmp_path / "reports.yml",
            [
                {
                    "norm": "t",
                    "id": "01_items",
                    "file": "items",
                    "model": "items",
                    "outputs": [{"format": "xml", "xsd": str(xsd)}],
                }
            ],
        )
    )
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, tmp_path / "out", config=config, run_id="r1")
    assert not current.failed and [f.path for f in current.files] == ["t/items.xml"]
    assert parse_rows(tmp_path / "out/r1/t/items.xml", xsd) == []


def test_a_memory_destination(warehouse_path, config):
    root = f"memory://reports-{uuid.uuid4().hex[:8]}"
    fs = fsspec.filesystem("memory")
    try:
        with DuckDB(warehouse_path) as warehouse:
            current = run(warehouse, root, config=config, run_id="r1")
        assert not current.failed
        manifest = json.loads(fs.cat(f"{root}/r1/manifest.json"))
        for entry in manifest["files"]:
            data = fs.cat(f"{root}/r1/{entry['path']}")
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert current.files[0].url == f"memory:///{root[9:]}/r1/nrp_92/garantia.xml"
        assert len(fs.find(root)) == 4
    finally:
        fs.rm(root, recursive=True)


def test_as_of_is_the_built_date_or_refused(warehouse_path, config, tmp_path):
    with DuckDB(warehouse_path) as warehouse:
        assert not run(warehouse, tmp_path / "a", config=config, as_of=AS_OF).failed
        with pytest.raises(ReportError, match=r"--as-of 2025-04-30: .* built as of 2025-03-31"):
            run(warehouse, tmp_path / "b", config=config, as_of="2025-04-30")
    assert not (tmp_path / "b").exists()
    unknown = create_warehouse(
        tmp_path / "u.duckdb", {"garantias": (GARANTIA_COLUMNS, ROWS)}, as_of=None
    )
    with DuckDB(unknown) as warehouse, pytest.raises(ReportError, match="an unknown date"):
        run(warehouse, tmp_path / "c", config=config, as_of=AS_OF)


def test_a_missing_model_fails_its_report_clearly(warehouse_path, tmp_path):
    config = load_config(write_config(tmp_path / "r.yml", [garantia_report("nowhere")]))
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, tmp_path / "out", config=config, run_id="r1")
    [failed] = current.failed
    assert failed.error.startswith("cannot read dbt_lana_reports.nowhere from ")


def test_postgres_streams_through_a_server_side_cursor(make_db, config, tmp_path):
    """Batches of 1 row: the same files as from DuckDB, from a real PostgreSQL database."""
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("create schema dbt_lana_reports")
        con.execute(
            "create table dbt_lana_reports.report_as_of as select %s as as_of_date", [AS_OF]
        )
        columns = ", ".join(f"{c} text" for c in GARANTIA_COLUMNS)
        con.execute(f"create table dbt_lana_reports.garantias ({columns})")
        for row in reversed(ROWS):
            con.execute(
                "insert into dbt_lana_reports.garantias values (%s, %s, %s, %s, %s, %s)",
                [row[c] for c in GARANTIA_COLUMNS],
            )
    with Postgres(dsn, batch_size=1) as warehouse:
        assert list(warehouse.dicts("dbt_lana_reports", "garantias")) == ROWS
        current = run(warehouse, tmp_path / "out", config=config, run_id="r1")
    assert not current.failed and current.as_of_date == AS_OF
    folder = tmp_path / "out" / "r1" / "nrp_92"
    assert parse_rows(folder / "garantia.xml", GARANTIA_XSD) == ROWS
    assert read_delimited(folder / "garantia.txt", "|") == ROWS


def test_an_error_while_fetching_fails_that_report_only(make_db, tmp_path):
    """A value PostgreSQL cannot compute on the second row (batches of one row, so the error
    comes while fetching): that report fails with the relation named, the other is written."""
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("create schema dbt_lana_reports")
        con.execute(
            "create table dbt_lana_reports.report_as_of as select %s as as_of_date", [AS_OF]
        )
        columns = ", ".join(f"{c} text" for c in GARANTIA_COLUMNS)
        con.execute(f"create table dbt_lana_reports.garantias ({columns})")
        for row in ROWS:
            con.execute(
                "insert into dbt_lana_reports.garantias values (%s, %s, %s, %s, %s, %s)",
                [row[c] for c in GARANTIA_COLUMNS],
            )
        first = GARANTIA_COLUMNS[0]
        broken = ", ".join(
            f"case when n = 2 then (1 / (n - 2))::text else {c} end as {c}" if c == first else c
            for c in GARANTIA_COLUMNS
        )
        con.execute(
            f"create view dbt_lana_reports.broken as select {broken} from "
            "(select *, row_number() over (order by 1) as n from dbt_lana_reports.garantias) g"
        )
    config = load_config(
        write_config(
            tmp_path / "r.yml",
            [garantia_report("garantias"), garantia_report("broken", "b", "02_b")],
        )
    )
    with Postgres(dsn, batch_size=1) as warehouse:
        current = run(warehouse, tmp_path / "out", config=config, run_id="r1", only=["nrp_92"])
    [failed] = current.failed
    assert failed.error.startswith("cannot read dbt_lana_reports.broken: division by zero")
    assert {r.report.model for r in current.results if not r.error} == {"garantias"}
    assert "r1/nrp_92/garantia.xml" in files_under(tmp_path / "out")
    assert not any("/b." in path for path in files_under(tmp_path / "out"))


def test_the_financial_report_without_marts_fails_on_its_own(warehouse_path, config, tmp_path):
    """A full run also writes the financial report; a warehouse without the marts fails it
    with the relation it could not read, and the regulator files still land."""
    out = tmp_path / "out"
    with DuckDB(warehouse_path) as warehouse:
        current = run(warehouse, out, config=config, run_id="r1")
    assert not current.failed and current.financial_files == []
    [(key, error)] = current.errors
    assert key == "financial" and error.startswith("cannot read dbt_lana_marts.")
    manifest = json.loads((out / "r1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == [{"report": "financial", "error": error}]
    assert "r1/nrp_92/garantia.xml" in files_under(out)
    assert not any(path.startswith("r1/financial/") for path in files_under(out))

    with DuckDB(warehouse_path) as warehouse:
        only = run(warehouse, tmp_path / "only", config=config, run_id="r2", only=["financial"])
    assert only.results == [] and [key for key, _ in only.errors] == ["financial"]
    assert files_under(tmp_path / "only") == {"r2/manifest.json"}
