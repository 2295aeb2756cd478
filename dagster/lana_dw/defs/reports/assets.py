"""Report files: the regulator's files (generate-es-reports, one asset per report file) and
the monthly financial summary CSV."""

import csv
import os

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from generate_es_reports.config import Report, load_config
from generate_es_reports.financial import SOURCES as FINANCIAL_SOURCES
from generate_es_reports.run import FINANCIAL, FINANCIAL_FILE
from generate_es_reports.run import run as run_reports
from generate_es_reports.warehouse import DuckDB

from lana_dw import paths
from lana_dw.defs.shared.resources import DUCKDB_POOL, DuckDBWarehouse
from lana_dw.defs.transform.assets import lana_dbt_models

MARTS_SCHEMA = "dbt_lana_marts"
REPORTS = load_config()


def report_key(report: Report) -> dg.AssetKey:
    return dg.AssetKey(["reports", report.norm, report.file])


# The bank's financial report (HTML page, and PDF), written in the same run folder.
FINANCIAL_KEY = dg.AssetKey(["reports", *FINANCIAL_FILE.split("/")])


@dg.multi_asset(
    name="regulator_report_files",
    specs=[
        dg.AssetSpec(
            key=report_key(report),
            # its model, and the one row saying which date the models describe
            deps=[
                get_asset_key_for_model([lana_dbt_models], report.model),
                get_asset_key_for_model([lana_dbt_models], REPORTS.as_of_model),
            ],
            group_name="reports",
            kinds={o.format for o in report.outputs},
            description=(
                f"{report.key}: {', '.join(report.path(o.format) for o in report.outputs)} "
                f"from dbt model {report.model} (generate-es-reports, reports.yml)"
            ),
        )
        for report in REPORTS.reports
    ]
    + [
        dg.AssetSpec(
            key=FINANCIAL_KEY,
            deps=[
                get_asset_key_for_model([lana_dbt_models], relation.split(".")[1])
                for relation in FINANCIAL_SOURCES.values()
            ],
            group_name="reports",
            kinds={"html", "pdf"},
            description=(
                f"The bank's financial report: {FINANCIAL_FILE}.html (self-contained page with "
                f"charts) and .pdf, from the marts {', '.join(FINANCIAL_SOURCES.values())}"
            ),
        )
    ],
    can_subset=True,
    pool=DUCKDB_POOL,
)
def regulator_report_files(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse):
    """The selected reports into LANA_REPORTS_DIR/<Dagster run id>/<norm>/<file>.<ext> and the
    run's manifest.json. Each report is read once; its XML is validated before anything of it
    lands. A report that fails does not stop the others; the step fails at the end naming it."""
    selected = [r.key for r in REPORTS.reports if report_key(r) in context.selected_asset_keys]
    if FINANCIAL_KEY in context.selected_asset_keys:
        selected.append(FINANCIAL)
    with DuckDB(warehouse.path) as reader:
        current = run_reports(
            reader,
            paths.reports_dir(),
            config=REPORTS,
            only=selected,
            run_id=context.run.run_id,
        )
    context.log.info(f"report files in {current.folder} (as of {current.as_of_date})")
    for result in current.results:
        if result.error:
            continue
        metadata = {
            "rows": result.rows,
            "as_of_date": current.as_of_date or "unknown",
            "run_folder": dg.MetadataValue.path(current.folder),
        }
        for written in result.files:
            metadata[f"{written.format}_path"] = dg.MetadataValue.path(written.url)
            metadata[f"{written.format}_sha256"] = written.sha256
        for skipped in result.skipped:
            metadata["not_written"] = f"{skipped['path']}: {skipped['reason']}"
        yield dg.MaterializeResult(asset_key=report_key(result.report), metadata=metadata)
    if current.financial_files:
        metadata = {"run_folder": dg.MetadataValue.path(current.folder)}
        for written in current.financial_files:
            metadata[f"{written.format}_path"] = dg.MetadataValue.path(written.url)
            metadata[f"{written.format}_sha256"] = written.sha256
        for skipped in current.financial_skipped:
            metadata["not_written"] = f"{skipped['path']}: {skipped['reason']}"
        yield dg.MaterializeResult(asset_key=FINANCIAL_KEY, metadata=metadata)
    if current.errors:
        raise dg.Failure(
            description=f"{len(current.errors)} report(s) failed: "
            + "; ".join(f"{key}: {error}" for key, error in current.errors),
        )


@dg.asset(
    key=["reports", "financial_summary"],
    deps=[get_asset_key_for_model([lana_dbt_models], "financial_summary")],
    group_name="reports",
    kinds={"csv"},
    pool=DUCKDB_POOL,
    description="Monthly financial summary (dbt model financial_summary) as financial_summary.csv",
)
def financial_summary_csv(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse):
    target = paths.reports_dir() / "financial_summary.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".csv.tmp")
    with warehouse.connect() as con:
        cur = con.execute(f"select * from {MARTS_SCHEMA}.financial_summary order by 1")
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    os.replace(tmp, target)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "rows": len(rows)}
    )
