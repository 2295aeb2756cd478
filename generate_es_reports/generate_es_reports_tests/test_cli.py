"""The command line, through click's runner, on a DuckDB warehouse named by the environment."""

from __future__ import annotations

import json

from click.testing import CliRunner
from generate_es_reports.cli import cli

from .conftest import AS_OF, garantia_report, write_config


def invoke(args, warehouse_path):
    env = {"LANA_DUCKDB_PATH": str(warehouse_path), "DBT_TARGET": "duckdb"}
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_run_writes_the_files_and_prints_where(warehouse_path, config_path, tmp_path):
    out = tmp_path / "out"
    args = ["run", "--config", str(config_path), "--destination", str(out), "--run-id", "r1"]
    result = invoke([*args, "--as-of", AS_OF, "--only", "nrp_92/01_garantia"], warehouse_path)
    assert result.exit_code == 0, result.output
    assert f"run r1 as of {AS_OF}" in result.output
    assert f"{out}/r1/nrp_92/garantia.xml  (2 rows)" in result.output
    manifest = json.loads((out / "r1" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["files"]) == 3


def test_a_failing_report_exits_non_zero_with_its_reason(warehouse_path, tmp_path):
    config_path = write_config(
        tmp_path / "r.yml", [garantia_report("garantias"), garantia_report("missing", "m", "02_m")]
    )
    args = ["run", "--config", str(config_path), "--destination", str(tmp_path / "out")]
    result = invoke([*args, "--only", "nrp_92"], warehouse_path)
    assert result.exit_code == 1
    assert "FAILED nrp_92/02_m: cannot read dbt_lana_reports.missing" in result.output
    assert "1 report(s) failed" in result.output
    assert "garantia.xml  (2 rows)" in result.output


def test_refusals(warehouse_path, config_path, tmp_path):
    base = ["run", "--config", str(config_path), "--destination", str(tmp_path / "out")]
    result = invoke([*base, "--as-of", "2025-04-30"], warehouse_path)
    assert result.exit_code == 1 and "built as of 2025-03-31" in result.output
    result = invoke([*base, "--as-of", "31/03/2025"], warehouse_path)
    assert result.exit_code == 2 and "is not a date YYYY-MM-DD" in result.output
    result = invoke([*base, "--only", "nrp_92/99_x"], warehouse_path)
    assert result.exit_code == 1 and "no report 'nrp_92/99_x'" in result.output
    assert not (tmp_path / "out").exists()


def test_a_destination_without_its_file_system_package(warehouse_path, config_path, tmp_path):
    base = ["run", "--config", str(config_path), "--destination"]
    result = invoke([*base, "gs://bank-reports/ssf"], warehouse_path)
    assert result.exit_code == 1
    assert "destination gs://bank-reports/ssf: Please install gcsfs" in result.output
    assert "Traceback" not in result.output
    result = invoke([*base, "nosuch://x"], warehouse_path)
    assert result.exit_code == 1 and "destination nosuch://x: Protocol not known" in result.output


def test_list_shows_the_packaged_reports(warehouse_path):
    result = invoke(["list"], warehouse_path)
    assert result.exit_code == 0
    assert "nrp_92/01_persona" in result.output and "nrsf_03/depositos.txt" in result.output


def test_an_unreachable_warehouse_fails_the_run_once(config_path, tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    args = ["run", "--config", str(config_path), "--destination", str(tmp_path / "out")]
    result = invoke(args, missing)
    assert result.exit_code == 1
    assert result.output.count("does not exist") == 1 and "FAILED" not in result.output
    assert not (tmp_path / "out").exists() and not missing.exists()
