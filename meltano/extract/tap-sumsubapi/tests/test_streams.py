"""What the tap extracts from a healthy fake Sumsub: rows, values, state, resumption."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import duckdb
import psycopg
from lana_sandbox.fake_sumsub import format_created_at_ms, webhook

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the clock fixture's start


def _iso(created_at_ms: str) -> str:
    return (
        datetime.strptime(created_at_ms, "%Y-%m-%d %H:%M:%S.%f")
        .replace(tzinfo=UTC)
        .isoformat(timespec="microseconds")
    )


def test_one_applicant_row_per_customer_in_webhook_order(sync, bank, fake):
    run = sync()
    assert run.error is None
    assert run.customers() == bank.order()
    latest = bank.latest()
    for row in run.rows():
        webhook_ = latest[row["customer_id"]]
        truth = fake.applicant(webhook_["applicantId"])
        assert row["fetch_status"] == "found"
        assert row["recorded_at"] == _iso(webhook_["createdAtMs"])
        assert row["applicant_id"] == webhook_["applicantId"] == truth["id"]
        assert row["webhook_type"] == webhook_["type"]
        assert row["review_status"] == webhook_["reviewStatus"]
        result = webhook_.get("reviewResult") or {}
        assert row["review_answer"] == result.get("reviewAnswer")
        assert row["reject_type"] == result.get("reviewRejectType")
        assert row["reject_labels"] == result.get("rejectLabels")
        assert row["level_name"] == webhook_["levelName"]
        assert row["applicant_type"] == webhook_["applicantType"]
        assert row["created_at"] == truth["createdAt"].replace(" ", "T") + ".000000+00:00"
        assert json.loads(row["content"]) == truth
        assert row["error"] is None
    answers = {r["review_answer"] for r in run.rows()}
    statuses = {r["review_status"] for r in run.rows()}
    assert answers == {"GREEN", "RED", None}
    assert statuses == {"init", "pending", "completed"}
    assert {r["reject_type"] for r in run.rows()} == {"RETRY", "FINAL", None}
    assert {r["applicant_type"] for r in run.rows()} == {"individual", "company"}


def test_documents_are_the_image_metadata_of_each_applicant(sync, bank, fake):
    run = sync()
    assert run.error is None
    latest = bank.latest()
    expected = []
    for customer in bank.order():
        meta = fake.metadata(latest[customer]["applicantId"])
        expected += [(customer, item["id"]) for item in meta["items"]]
    got = [(r["customer_id"], r["image_id"]) for r in run.rows("sumsub_documents")]
    assert got == expected
    counts = {}
    for customer, _ in got:
        counts[customer] = counts.get(customer, 0) + 1
    assert 0 in [counts.get(c, 0) for c in bank.order()]  # applicants with no upload yet
    assert max(counts.values()) >= 4  # and some with many images
    row = run.rows("sumsub_documents")[0]
    item = next(
        i for i in fake.metadata(row["applicant_id"])["items"] if i["id"] == row["image_id"]
    )
    assert json.loads(row["content"]) == item
    assert row["file_size"] == item["fileMetadata"]["fileSize"]
    assert (row["width"], row["height"]) == (1600, 1200)
    assert row["id_doc_type"] == item["idDocDef"]["idDocType"]
    assert row["added_at"] == item["addedDate"].replace(" ", "T") + ".000000+00:00"


def test_bookmark_is_the_last_customer_and_a_rerun_fetches_nothing(sync, bank, fake):
    first = sync()
    last = bank.latest()[bank.order()[-1]]
    for stream in ("sumsub_applicants", "sumsub_documents"):
        bookmark = first.bookmark(stream)
        assert bookmark["replication_key"] == "recorded_at"
        assert bookmark["replication_key_value"] == _iso(last["createdAtMs"])
        assert bookmark["customers_at_bookmark"] == [last["externalUserId"]]
    fake.requests.clear()
    second = sync(state=first.state)
    assert second.error is None
    assert second.records == {}
    assert [r.endpoint for r in fake.requests] == ["health"]


def test_new_webhooks_refetch_only_their_customers(sync, bank, fake):
    first = sync()
    a, b = bank.order()[2], bank.order()[5]
    latest = bank.latest()
    later = NOW - timedelta(hours=2)
    bank.add(
        [
            webhook(
                "applicantReviewed",
                customer_id=c,
                applicant_id=latest[c]["applicantId"],
                created_at=later + timedelta(seconds=i),
                review_answer="GREEN",
                correlation_id=f"req-{uuid.uuid4()}",
            )
            for i, c in enumerate((b, a))
        ]
    )
    second = sync(state=first.state)
    assert second.error is None
    assert second.customers() == [b, a]
    assert [r["review_status"] for r in second.rows()] == ["completed", "completed"]
    assert [r["review_answer"] for r in second.rows()] == ["GREEN", "GREEN"]
    keys = {(r["customer_id"], r["recorded_at"]) for r in first.rows() + second.rows()}
    assert len(keys) == len(first.rows()) + 2  # new snapshots, nothing twice


def test_customers_sharing_one_recorded_at_are_each_fetched_once(sync, bank, fake):
    """Three customers' latest webhooks recorded in the same microsecond; the run stops after
    the first of them: the rerun fetches exactly the other two."""
    same = NOW - timedelta(hours=1)
    trio = sorted(str(uuid.UUID(int=9000 + i)) for i in range(3))
    tie = [
        webhook(
            "applicantCreated",
            customer_id=c,
            applicant_id=f"{i + 1:024x}",
            created_at=same,
            correlation_id=f"req-{uuid.uuid4()}",
        )
        for i, c in enumerate(trio)
    ]
    bank.add(tie)
    fake.fail("server_error", endpoint="applicant", applicant_id=f"{2:024x}", times=None)
    first = sync(streams=["sumsub_applicants"], max_retries=0)
    assert first.error is not None
    assert first.customers()[-1] == trio[0]
    assert first.bookmark()["customers_at_bookmark"] == [trio[0]]
    fake.clear()
    second = sync(streams=["sumsub_applicants"], state=first.state)
    assert second.error is None
    assert second.customers() == trio[1:]


def test_webhooks_without_applicant_id_are_looked_up_by_external_user_id(sync, bank, fake):
    """The matrix-parameter path, with a customer id that must be percent-encoded (and
    signed exactly as sent)."""
    odd = "ana.perez+kyc@example.com 2"
    created = webhook(
        "applicantCreated",
        customer_id=odd,
        applicant_id="0123456789abcdef01234567",
        created_at=NOW - timedelta(hours=3),
        correlation_id=f"req-{uuid.uuid4()}",
    )
    pending = webhook(
        "applicantPending",
        customer_id=odd,
        applicant_id=None,
        created_at=NOW - timedelta(hours=2),
        correlation_id=f"req-{uuid.uuid4()}",
    )
    bank.add([created, pending])
    run = sync(streams=["sumsub_applicants"])
    assert run.error is None
    row = run.rows()[-1]
    assert (row["customer_id"], row["fetch_status"]) == (odd, "found")
    assert row["applicant_id"] == "0123456789abcdef01234567"
    assert row["review_status"] == "init"  # the fake folds only webhooks naming the applicant
    by_external = fake.requests_to("applicant_by_external_id")
    assert [r.target for r in by_external] == [
        "/resources/applicants/-;externalUserId=ana.perez%2Bkyc%40example.com%202/one"
    ]
    assert by_external[0].key == odd and by_external[0].status == 200


def test_webhook_types_start_date_and_settle_time_limit_what_is_read(sync, bank, fake):
    reviewed = sync(webhook_types=["applicantReviewed"], streams=["sumsub_applicants"])
    assert set(r["webhook_type"] for r in reviewed.rows()) == {"applicantReviewed"}
    assert len(reviewed.rows()) < len(bank.order())

    order = bank.order()
    cut = bank.latest()[order[6]]["createdAtMs"]
    late = sync(start_date=_iso(cut), streams=["sumsub_applicants"])
    assert late.customers() == order[6:]

    fresh = webhook(
        "applicantCreated",
        customer_id="just-now",
        applicant_id="fedcba9876543210fedcba98",
        created_at=NOW - timedelta(seconds=10),
        correlation_id=f"req-{uuid.uuid4()}",
    )
    bank.add([fresh])
    settled = sync(streams=["sumsub_applicants"])
    assert "just-now" not in settled.customers()  # younger than settle_seconds (30)
    assert "just-now" in sync(streams=["sumsub_applicants"], settle_seconds=0).customers()


def test_the_warehouse_copy_of_the_webhook_log_drives_the_same_fetches(sync, bank, tmp_path):
    """inbox_events as tap-postgres lands it in DuckDB (payload JSON, recorded_at TIMESTAMPTZ)."""
    path = tmp_path / "lana.duckdb"
    with psycopg.connect(bank.dsn) as conn:
        rows = conn.execute(
            "SELECT id::text, idempotency_key, payload::text, status::text, recorded_at "
            "FROM inbox_events"
        ).fetchall()
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA lana_raw")
        con.execute(
            "CREATE TABLE lana_raw.inbox_events (id UUID, idempotency_key VARCHAR, payload JSON,"
            " status VARCHAR, error VARCHAR, recorded_at TIMESTAMPTZ, processed_at TIMESTAMPTZ)"
        )
        con.executemany(
            "INSERT INTO lana_raw.inbox_events (id, idempotency_key, payload, status, recorded_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    from_pg = sync(streams=["sumsub_applicants"])
    from_duckdb = sync(streams=["sumsub_applicants"], pg_dsn=None, inbox_duckdb_path=str(path))
    assert from_duckdb.error is None
    strip = [{k: v for k, v in r.items() if k != "fetched_at"} for r in from_duckdb.rows()]
    assert strip == [{k: v for k, v in r.items() if k != "fetched_at"} for r in from_pg.rows()]
    assert from_duckdb.bookmark() == from_pg.bookmark()


def test_requests_are_spaced_and_signed_on_the_tap_clock(sync, fake, clock):
    run = sync(streams=["sumsub_applicants"], request_interval_ms=500)
    assert run.error is None
    sent = fake.requests
    gaps = {(b.at - a.at).total_seconds() for a, b in zip(sent, sent[1:], strict=False)}
    assert gaps == {0.5}
    assert all(r.status == 200 for r in sent)
    first = sent[0].headers
    assert first["x-app-access-ts"] == str(int(NOW.timestamp()))
    assert first["x-app-token"].startswith("sbx:")
    assert len(first["x-app-access-sig"]) == 64


def test_created_at_ms_format_round_trips():
    at = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert format_created_at_ms(at) == "2026-01-02 03:04:05.678"
