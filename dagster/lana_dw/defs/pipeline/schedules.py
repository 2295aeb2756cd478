"""The whole pipeline: EL → dbt build → reports, daily at 02:00 UTC."""

import dagster as dg

daily_pipeline_job = dg.define_asset_job(
    name="lana_dw_daily",
    selection=dg.AssetSelection.all(),
    description="Meltano EL of every source, dbt build (models and tests), report files.",
    # The steps queue on one DuckDB pool anyway; one process saves a Python start-up per step.
    executor_def=dg.in_process_executor,
)

daily_pipeline_schedule = dg.ScheduleDefinition(
    name="lana_dw_daily_schedule",
    job=daily_pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
