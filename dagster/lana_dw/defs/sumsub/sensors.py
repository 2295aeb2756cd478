"""Fetch KYC data when new Sumsub webhooks land in Lana's inbox_events."""

import os

import dagster as dg
import psycopg

from lana_dw.defs.sumsub.assets import sumsub_el

sumsub_job = dg.define_asset_job(
    name="sumsub_kyc",
    selection=dg.AssetSelection.assets(sumsub_el),
    description="Meltano job el-sumsub: applicants and document metadata from Sumsub.",
    executor_def=dg.in_process_executor,
)

# Webhooks are rows of Lana's inbox; the newest one and the count say whether any arrived.
WEBHOOKS_SQL = """
    select count(*), max(recorded_at)
    from inbox_events
    where payload ->> 'externalUserId' is not null
"""


@dg.sensor(
    name="sumsub_on_new_webhooks",
    job=sumsub_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs sumsub_kyc when inbox_events (in LANA_PG_DSN) holds webhooks not seen yet.",
)
def sumsub_on_new_webhooks(context: dg.SensorEvaluationContext):
    dsn = os.environ.get("LANA_PG_DSN")
    if not dsn:
        return dg.SkipReason("LANA_PG_DSN is not set: no webhook log to watch")
    try:
        with psycopg.connect(dsn, connect_timeout=10) as con:
            count, newest = con.execute(WEBHOOKS_SQL).fetchone()
    except psycopg.Error as e:
        return dg.SkipReason(f"cannot read inbox_events: {type(e).__name__}: {e}".strip())
    if count == 0:
        return dg.SkipReason("no Sumsub webhooks in inbox_events yet")
    cursor = f"{count}@{newest.isoformat()}"
    if cursor == context.cursor:
        return dg.SkipReason(f"no new webhooks since {newest.isoformat()}")
    context.update_cursor(cursor)
    return dg.RunRequest(run_key=cursor, tags={"lana/webhooks": str(count)})
