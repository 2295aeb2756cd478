"""The Sumsub sensor asks for a run exactly when new webhooks land in Lana's inbox_events."""

import dagster as dg
import psycopg
from lana_dw.defs.sumsub.sensors import sumsub_on_new_webhooks
from lana_sandbox.fake_sumsub.inbox import ensure_inbox_events, insert_webhooks, kyc_webhooks


def _tick(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    result = sumsub_on_new_webhooks(context)
    return result, context.cursor


def test_runs_once_per_batch_of_new_webhooks(fresh_database, monkeypatch):
    monkeypatch.setenv("LANA_PG_DSN", fresh_database)
    with psycopg.connect(fresh_database, autocommit=True) as con:
        ensure_inbox_events(con)
    result, cursor = _tick(None)
    assert isinstance(result, dg.SkipReason)
    assert "no Sumsub webhooks" in result.skip_message

    hooks = kyc_webhooks(["7f6c2b9e-0000-4000-8000-000000000001"], seed=1)
    with psycopg.connect(fresh_database, autocommit=True) as con:
        insert_webhooks(con, hooks[:1])
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.job_name in (None, "sumsub_kyc")
    assert result.tags["lana/webhooks"] == "1"

    result, same = _tick(cursor)
    assert isinstance(result, dg.SkipReason) and same == cursor

    with psycopg.connect(fresh_database, autocommit=True) as con:
        insert_webhooks(con, hooks[1:])
    result, newer = _tick(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.run_key == newer != cursor
    assert result.tags["lana/webhooks"] == str(len(hooks))


def test_explains_why_it_cannot_watch(fresh_database, monkeypatch):
    monkeypatch.delenv("LANA_PG_DSN", raising=False)
    result, _ = _tick(None)
    assert "LANA_PG_DSN is not set" in result.skip_message

    monkeypatch.setenv("LANA_PG_DSN", fresh_database)  # a database without inbox_events
    result, cursor = _tick(None)
    assert "cannot read inbox_events" in result.skip_message
    assert "UndefinedTable" in result.skip_message and cursor is None
