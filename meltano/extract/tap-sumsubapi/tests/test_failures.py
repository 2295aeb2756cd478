"""One test per failure mode of the fake Sumsub (apis.md C.2) and what the tap does about it.

Every wait of the tap goes through the shared fake clock: ``clock.sleeps`` lists them (the
tests set ``request_interval_ms`` to 0, so only retry and rate-limit waits show).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lana_sandbox.fake_sumsub import FakeSumsub
from singer_sdk.exceptions import ConfigValidationError
from tap_sumsubapi.client import (
    SumsubAuthError,
    SumsubError,
    SumsubMalformedResponseError,
    SumsubRateLimitError,
    SumsubUnavailableError,
)
from tap_sumsubapi.inbox import InboxError
from tap_sumsubapi.tap import TapSumsubApi

TOKEN = "sbx:test-app-token-7f3a9c"  # conftest's
SECRET = "test-secret-key-b41d8e0c"
APPLICANTS = ["sumsub_applicants"]
DOCUMENTS = ["sumsub_documents"]
EXECUTABLE = Path(sys.executable).parent / "tap-sumsubapi"


def _nth(bank, n: int) -> tuple[str, str]:
    """(customer id, applicant id) of the n-th customer the tap fetches."""
    customer = bank.order()[n]
    return customer, bank.latest()[customer]["applicantId"]


def _stopped_before(run, bank, n: int) -> None:
    """The run emitted customers 0..n-1 and its bookmark is customer n-1's."""
    assert run.customers() == bank.order()[:n]
    bookmark = run.bookmark()
    assert bookmark["replication_key_value"] == run.rows()[-1]["recorded_at"]
    assert bookmark["customers_at_bookmark"] == [bank.order()[n - 1]]


# --- authentication: fail at once, say why, never show a secret --------------------------


def test_a_wrong_secret_is_a_signature_mismatch(sync, fake, clock):
    run = sync(secret_key="not-the-secret")
    assert isinstance(run.error, SumsubAuthError)
    message = str(run.error)
    assert message.startswith("GET /resources/status/api: HTTP 401 'Request signature mismatch'")
    assert "(errorCode 4003, app-token-signature-mismatch): the signature does not match: " in (
        message
    )
    assert message.endswith("check secret_key")
    assert run.records == {} and clock.sleeps == []
    assert "not-the-secret" not in message and TOKEN not in message


def test_clock_skew_of_more_than_a_minute_is_refused(sync, fake, clock):
    fake.fail("clock_skew", seconds=90, times=None)
    run = sync()
    assert isinstance(run.error, SumsubAuthError)
    assert "'Request expired' (errorCode 4004" in str(run.error)
    assert "check this machine's clock" in str(run.error)
    assert run.records == {}


def test_skew_within_a_minute_is_accepted(sync, fake):
    fake.fail("clock_skew", seconds=59, times=None)
    assert sync(streams=APPLICANTS).error is None


def test_a_sandbox_token_against_production_is_not_found(bank, clock, run_on):
    with FakeSumsub(bank.dsn, clock=clock, tokens={TOKEN: SECRET}, mode="prd") as prod:
        run = run_on(prod)
    assert isinstance(run.error, SumsubAuthError)
    assert "(errorCode 4001, app-token-not-found): app token not found" in str(run.error)


def test_a_bad_token_prefix_is_refused_without_showing_it(fake, bank):
    with pytest.raises(ConfigValidationError) as info:
        TapSumsubApi(
            config={"app_token": "live-abcdef", "secret_key": SECRET, "pg_dsn": bank.dsn},
            clock=fake.clock,
        )
    assert "app_token must start with sbx: (sandbox) or prd: (production)" in str(info.value)
    assert "live-abcdef" not in str(info.value)
    assert fake.requests == []


def test_secrets_never_reach_the_output_of_a_failing_run(fake, bank, tmp_path):
    """A real process, debug logging on, a run that fails on a 401: neither the token, the
    secret nor the DSN password appears on stdout or stderr."""
    config = {
        "app_token": TOKEN,
        "secret_key": "wrong-secret-9d2f",
        "base_url": fake.base_url,
        "pg_dsn": bank.dsn,
        "request_interval_ms": 0,
        "check_api_status": False,
        "settle_seconds": 0,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    fake.clock.set(datetime.now(UTC))  # the process signs with the real clock
    done = subprocess.run(
        [EXECUTABLE, "--config", tmp_path / "config.json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LOGLEVEL": "DEBUG", "TAP_SUMSUBAPI_LOG_LEVEL": "DEBUG"},
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Request signature mismatch" in output
    assert TOKEN not in output and "wrong-secret-9d2f" not in output
    assert "test-app-token" not in output


def test_a_403_fails_at_once_naming_the_permissions(sync, bank, fake, clock):
    fake.fail("forbidden", endpoint="metadata", times=None)
    run = sync(streams=DOCUMENTS)
    assert isinstance(run.error, SumsubError)
    message = str(run.error)
    assert "/metadata/resources: HTTP 403 'Forbidden: not enough permissions'" in message
    assert "the app token lacks a permission" in message
    assert run.records == {} and clock.sleeps == []


# --- rate limits: wait (Retry-After when sent), bounded ----------------------------------


def test_429_with_retry_after_waits_that_long(sync, bank, fake, clock):
    fake.fail("rate_limit", endpoint="applicant", after=3, retry_after=3)
    run = sync(streams=APPLICANTS)
    assert run.error is None
    assert run.customers() == bank.order()
    assert clock.sleeps == [3]


def test_429_without_retry_after_waits_the_window(sync, bank, fake, clock):
    fake.fail("rate_limit", endpoint="metadata", retry_after=None, times=2)
    run = sync(streams=DOCUMENTS)
    assert run.error is None
    assert clock.sleeps == [5, 5]
    assert {r["customer_id"] for r in run.rows(DOCUMENTS[0])} <= set(bank.order())


def test_going_over_the_budget_gets_429_until_the_window_frees(bank, clock, run_on):
    """300 GETs per 5 s by default; here 4 per 5 s and no spacing: the 5th request in the same
    instant gets 429 with Retry-After, the tap waits it out and goes on."""
    with FakeSumsub(bank.dsn, seed=1, clock=clock, tokens={TOKEN: SECRET}, rate_limit=4) as fx:
        run = run_on(fx, streams=APPLICANTS)
        statuses = [r.status for r in fx.requests]
    assert run.error is None
    assert run.customers() == bank.order()
    assert statuses[:6] == [200, 200, 200, 200, 429, 200]
    assert set(clock.sleeps) == {5}


def test_rate_limit_waits_are_bounded(sync, bank, fake, clock):
    fake.fail("rate_limit", endpoint="applicant", after=2, times=None, retry_after=1)
    run = sync(streams=APPLICANTS, rate_limit_max_retries=3)
    assert isinstance(run.error, SumsubRateLimitError)
    assert "still rate limited after 3 waits" in str(run.error)
    assert str(run.error).startswith(f"GET /resources/applicants/{_nth(bank, 2)[1]}/one: HTTP 429")
    assert clock.sleeps == [1, 1, 1]
    _stopped_before(run, bank, 2)


# --- maintenance, 5xx, slow and broken replies -------------------------------------------


def test_maintenance_health_check_ends_the_run_cleanly_without_touching_state(sync, fake):
    before = sync()
    fake.requests.clear()
    fake.fail("maintenance", times=None)
    run = sync(state=before.state)
    assert run.error is None
    assert run.records == {}
    assert [(r.endpoint, r.status) for r in fake.requests] == [("health", 503)]
    for stream in ("sumsub_applicants", "sumsub_documents"):
        assert (
            run.bookmark(stream)["replication_key_value"]
            == (before.bookmark(stream)["replication_key_value"])
        )


@pytest.mark.parametrize(
    ("status", "body"), [(500, "json"), (502, "html"), (503, "empty"), (503, "json")]
)
def test_5xx_is_retried_with_backoff(sync, bank, fake, clock, status, body):
    fake.fail("server_error", endpoint="applicant", times=2, status=status, body=body)
    run = sync(streams=APPLICANTS)
    assert run.error is None
    assert run.customers() == bank.order()
    assert clock.sleeps == [1, 2]


def test_5xx_that_outlasts_the_retries_stops_at_the_failed_customer(sync, bank, fake, clock):
    """Lana's rule: the bookmark never passes a customer whose fetch failed; the next run
    starts with exactly that customer."""
    customer, applicant = _nth(bank, 4)
    fake.fail("server_error", applicant_id=applicant, times=None, status=502, body="html")
    run = sync(streams=APPLICANTS, max_retries=3)
    assert isinstance(run.error, SumsubUnavailableError)
    assert str(run.error).startswith(f"GET /resources/applicants/{applicant}/one: HTTP 502")
    assert "giving up after 4 attempts (max_retries=3)" in str(run.error)
    assert clock.sleeps == [1, 2, 4]
    _stopped_before(run, bank, 4)
    fake.clear()
    again = sync(streams=APPLICANTS, state=run.state)
    assert again.error is None
    assert again.customers() == bank.order()[4:]


def test_a_slow_reply_times_out_and_is_retried(sync, bank, fake, clock):
    fake.fail("slow", endpoint="applicant", delay=0.5)
    run = sync(streams=APPLICANTS, request_timeout_seconds=0.1)
    assert run.error is None
    assert run.customers() == bank.order()
    assert clock.sleeps == [1]


def test_a_connection_reset_mid_body_is_retried(sync, bank, fake, clock):
    fake.fail("reset", endpoint="metadata", after=1)
    run = sync(streams=DOCUMENTS)
    assert run.error is None
    assert clock.sleeps == [1]


# --- malformed replies: fail naming the endpoint, never a half-parsed row ----------------


@pytest.mark.parametrize(
    ("mode", "options", "expected"),
    [
        ("truncated", {}, "HTTP 200 with invalid (truncated?) JSON"),
        ("truncated", {"keep": 0}, "HTTP 200 with an empty body"),
        ("wrong_content_type", {}, "HTTP 200 with Content-Type 'text/html; charset=utf-8', not"),
        ("error_200", {}, "HTTP 200 carrying an error object 'Something went wrong'"),
        ("missing_field", {"field": "review"}, "the applicant has no review.reviewStatus"),
    ],
)
def test_a_malformed_applicant_fails_the_run_at_that_customer(
    sync, bank, fake, clock, mode, options, expected
):
    customer, applicant = _nth(bank, 3)
    fake.fail(mode, endpoint="applicant", applicant_id=applicant, **options)
    run = sync(streams=APPLICANTS)
    assert isinstance(run.error, SumsubMalformedResponseError)
    assert str(run.error).startswith(f"GET /resources/applicants/{applicant}/one: ")
    assert expected in str(run.error)
    assert clock.sleeps == []  # not retried
    _stopped_before(run, bank, 3)
    assert customer not in run.customers()


def test_a_truncated_metadata_reply_emits_none_of_its_images(sync, bank, fake):
    latest = bank.latest()
    with_images = [c for c in bank.order() if latest[c]["reviewStatus"] != "init"]
    customer = with_images[1]
    fake.fail("truncated", endpoint="metadata", applicant_id=latest[customer]["applicantId"])
    run = sync(streams=DOCUMENTS)
    assert isinstance(run.error, SumsubMalformedResponseError)
    assert "/metadata/resources: HTTP 200 with invalid (truncated?) JSON" in str(run.error)
    assert customer not in run.customers(DOCUMENTS[0])
    assert run.customers(DOCUMENTS[0])[-1] == with_images[0]


def test_an_applicant_without_info_is_kept_as_sent(sync, bank, fake):
    """info is what Sumsub recognised from documents: absent until then (B.3.1), not an error."""
    customer, applicant = _nth(bank, 2)
    fake.fail("missing_field", endpoint="applicant", applicant_id=applicant, field="info")
    run = sync(streams=APPLICANTS)
    assert run.error is None
    row = run.rows()[2]
    assert row["customer_id"] == customer and row["fetch_status"] == "found"
    assert "info" not in json.loads(row["content"])
    assert row["review_status"] == bank.latest()[customer]["reviewStatus"]


# --- 404 in the middle of a batch: recorded, never a fake applicant ----------------------


def test_a_deleted_applicant_mid_batch_is_recorded_as_not_found(sync, bank, fake):
    customer, applicant = _nth(bank, 5)
    fake.delete(applicant)
    run = sync()
    assert run.error is None
    assert run.customers() == bank.order()
    row = run.rows()[5]
    assert (row["customer_id"], row["applicant_id"]) == (customer, applicant)
    assert row["fetch_status"] == "not_found"
    assert json.loads(row["error"])["description"] == f"Applicant not found: {applicant}"
    assert json.loads(row["error"])["code"] == 404
    assert row["content"] is None and row["review_status"] is None
    assert row["review_answer"] is None and row["created_at"] is None
    assert [r["fetch_status"] for r in run.rows()].count("found") == len(bank.order()) - 1
    assert customer not in run.customers("sumsub_documents")
    assert run.bookmark("sumsub_documents")["customers_at_bookmark"] == [bank.order()[-1]]


# --- the webhook log itself ---------------------------------------------------------------


def test_an_unreadable_webhook_log_fails_before_any_request_without_the_password(sync, fake):
    run = sync(pg_dsn="postgresql://postgres:hunter2-pw@127.0.0.1:5432/no_such_lana_db")
    assert isinstance(run.error, InboxError)
    message = str(run.error)
    assert message.startswith("reading the webhook log public.inbox_events in PostgreSQL: ")
    assert "no_such_lana_db" in message and "hunter2-pw" not in message
    assert fake.requests == [] and run.records == {}


def test_no_webhook_log_configured_is_a_clear_error(sync, fake):
    run = sync(pg_dsn=None)
    assert isinstance(run.error, ConfigValidationError)
    assert "no webhook log: set pg_dsn (LANA_PG_DSN) or inbox_duckdb_path" in str(run.error)
