"""A real ``meltano run tap-sumsubapi target-duckdb`` into DuckDB, and reruns.

Meltano runs as a subprocess in ``meltano/`` (never imported here: this folder's module names
start with ``meltano``), with the warehouse and the state backend in ``tmp_path``. The fake
Sumsub runs on the real clock, because the tap process signs with the machine's time.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pytest
from lana_sandbox.fake_sumsub import FakeSumsub, SystemClock, webhook

REPO = Path(__file__).resolve().parents[4]
MELTANO = REPO / ".venv" / "bin" / "meltano"
PROJECT = REPO / "meltano"
INSTALLED = PROJECT / ".meltano" / "extractors" / "tap-sumsubapi" / "venv" / "bin" / "tap-sumsubapi"
TOKEN, SECRET = "sbx:meltano-test-token", "meltano-test-secret"


@pytest.fixture(scope="module", autouse=True)
def _plugin_installed():
    """`make test` installs every plugin first (scripts/setup); a bare pytest may not have."""
    if not INSTALLED.exists():
        subprocess.run(
            [MELTANO, "install", "extractor", "tap-sumsubapi"],
            cwd=PROJECT,
            check=True,
            capture_output=True,
        )


@pytest.fixture
def real_fake(bank):
    with FakeSumsub(bank.dsn, seed=1, clock=SystemClock(), tokens={TOKEN: SECRET}) as fx:
        yield fx


def _meltano_run(env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [MELTANO, "run", "tap-sumsubapi", "target-duckdb"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture
def env(bank, real_fake, tmp_path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))},
        "LANA_PG_DSN": bank.dsn,
        "SUMSUB_KEY": TOKEN,
        "SUMSUB_SECRET": SECRET,
        "TAP_SUMSUBAPI_BASE_URL": real_fake.base_url,
        "TAP_SUMSUBAPI_REQUEST_INTERVAL_MS": "0",
        "LANA_DUCKDB_PATH": str(tmp_path / "lana.duckdb"),
        "MELTANO_STATE_BACKEND_URI": (tmp_path / "state").as_uri(),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _copy_inbox_to_warehouse(dsn: str, warehouse: Path) -> None:
    """inbox_events as tap-postgres lands it in lana_raw (payload JSON, TIMESTAMPTZ)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id::text, payload::text, status::text, recorded_at FROM inbox_events"
        ).fetchall()
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE OR REPLACE TABLE lana_raw.inbox_events (id UUID, payload JSON, "
            "status VARCHAR, recorded_at TIMESTAMPTZ)"
        )
        con.executemany("INSERT INTO lana_raw.inbox_events VALUES (?, ?, ?, ?)", rows)


def test_meltano_run_lands_applicants_and_documents_and_a_rerun_adds_nothing_twice(
    env, bank, real_fake, tmp_path
):
    """Run 1 reads the webhook log in PostgreSQL. Run 2, after new webhooks, reads the
    warehouse copy in the very DuckDB file target-duckdb writes (the tap reads it and closes
    it before its first record, so the target is not locked out) and, from run 1's state,
    fetches only the two customers with new webhooks."""
    warehouse = tmp_path / "lana.duckdb"
    first = _meltano_run(env)
    assert TOKEN not in first.stdout + first.stderr and SECRET not in first.stdout + first.stderr

    applicants = _rows(
        warehouse,
        "SELECT customer_id, fetch_status, review_status, review_answer, content "
        "FROM lana_raw.sumsub_applicants ORDER BY recorded_at, customer_id",
    )
    latest = bank.latest()
    assert [a[0] for a in applicants] == bank.order()
    for customer, status, review_status, answer, content in applicants:
        applicant = json.loads(content)
        assert status == "found" and applicant == real_fake.applicant(applicant["id"])
        assert review_status == latest[customer]["reviewStatus"]
        assert answer == (latest[customer].get("reviewResult") or {}).get("reviewAnswer")
    images = sum(len(real_fake.metadata(w["applicantId"])["items"]) for w in latest.values())
    assert _rows(warehouse, "SELECT count(*) FROM lana_raw.sumsub_documents") == [(images,)]
    types = dict(
        _rows(
            warehouse,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'sumsub_applicants'",
        )
    )
    assert types["recorded_at"] == "TIMESTAMP WITH TIME ZONE"

    # Two customers get new webhooks; one of them has its applicant deleted meanwhile.
    a, b = bank.order()[1], bank.order()[4]
    at = datetime.now(UTC) - timedelta(hours=1)
    bank.add(
        [
            webhook(
                "applicantReviewed",
                customer_id=c,
                applicant_id=latest[c]["applicantId"],
                created_at=at + timedelta(seconds=i),
                review_answer="RED",
                reject_type="FINAL",
                correlation_id=f"req-{uuid.uuid4()}",
            )
            for i, c in enumerate((a, b))
        ]
    )
    real_fake.delete(latest[b]["applicantId"])
    _copy_inbox_to_warehouse(bank.dsn, warehouse)
    real_fake.requests.clear()
    second_env = {**env, "TAP_SUMSUBAPI_INBOX_DUCKDB_PATH": str(warehouse)}
    del second_env["LANA_PG_DSN"]
    _meltano_run(second_env)

    assert [r.endpoint for r in real_fake.requests] == ["health", "applicant", "applicant"] + [
        "metadata",
        "metadata",
    ]
    fetched = [r.key for r in real_fake.requests_to("applicant")]
    assert fetched == [latest[a]["applicantId"], latest[b]["applicantId"]]
    after = _rows(
        warehouse,
        "SELECT customer_id, fetch_status, review_answer FROM lana_raw.sumsub_applicants "
        "ORDER BY recorded_at, customer_id",
    )
    assert len(after) == len(applicants) + 2
    assert after[-2:] == [(a, "found", "RED"), (b, "not_found", None)]
    keys = _rows(
        warehouse,
        "SELECT count(*), count(DISTINCT (customer_id, recorded_at)) "
        "FROM lana_raw.sumsub_applicants",
    )
    assert keys == [(len(after), len(after))]
    documents = _rows(warehouse, "SELECT count(*) FROM lana_raw.sumsub_documents")
    new_images = len(real_fake.metadata(latest[a]["applicantId"])["items"])
    assert documents == [(images + new_images,)]
