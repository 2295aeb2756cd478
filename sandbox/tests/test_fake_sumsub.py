"""The fake Sumsub server speaks the applicant API's wire protocol (apis.md Part B), checks
request signatures (B.2), and fails on demand (Part C.2). Plain ``http.client`` against
127.0.0.1; applicants from a real ``inbox_events`` table; time on the server's fake clock."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from lana_sandbox.fake_sumsub import (
    DEFAULT_SECRET,
    DEFAULT_TOKEN,
    FakeClock,
    FakeSumsub,
    insert_webhooks,
    kyc_webhooks,
    sign,
    webhook,
)

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
CUSTOMERS = [str(uuid.UUID(int=1000 + i)) for i in range(20)]  # every status, RED RETRY/FINAL
SEED = 1


class Reply:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def get(
    fx: FakeSumsub,
    target: str,
    *,
    token: str = DEFAULT_TOKEN,
    secret: str = DEFAULT_SECRET,
    ts: str | None = None,
    sign_target: str | None = None,
    headers: dict | None = None,
    timeout: float = 5,
) -> Reply:
    ts = ts or str(int(fx.clock.now().timestamp()))
    sent = {
        "X-App-Token": token,
        "X-App-Access-Ts": ts,
        "X-App-Access-Sig": sign(secret, ts, "GET", sign_target or target),
        "Accept": "application/json",
    }
    if headers is not None:
        sent = headers
    conn = http.client.HTTPConnection("127.0.0.1", fx.port, timeout=timeout)
    try:
        conn.request("GET", target, headers=sent)
        resp = conn.getresponse()
        return Reply(resp.status, dict(resp.getheaders()), resp.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bank(make_db) -> tuple[str, list[dict]]:
    """One database for the module (tests that add webhooks remove them: ``add_webhooks``)."""
    dsn = make_db()
    webhooks = kyc_webhooks(CUSTOMERS, seed=SEED)
    with psycopg.connect(dsn, autocommit=True) as conn:
        insert_webhooks(conn, webhooks)
    return dsn, webhooks


@pytest.fixture
def add_webhooks(bank):
    """``add_webhooks([...])``: insert webhooks for this test only."""
    keys: list[str] = []

    def add(webhooks: list[dict]) -> None:
        with psycopg.connect(bank[0], autocommit=True) as conn:
            insert_webhooks(conn, webhooks)
        keys.extend(f"sumsub:{w['correlationId']}:{w['type']}" for w in webhooks)

    yield add
    with psycopg.connect(bank[0], autocommit=True) as conn:
        conn.execute("DELETE FROM inbox_events WHERE idempotency_key = ANY(%s)", (keys,))


@pytest.fixture
def fx(bank):
    with FakeSumsub(bank[0], seed=SEED, now=NOW) as server:
        yield server


def _latest(webhooks: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for w in webhooks:
        out[w["externalUserId"]] = w
    return out


# --- the webhook inbox ---------------------------------------------------------------------


def test_webhooks_land_in_lana_s_inbox_once(bank):
    dsn, webhooks = bank
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert insert_webhooks(conn, webhooks) == 0  # same correlation ids: idempotent
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'inbox_events' ORDER BY ordinal_position"
        ).fetchall()
        (count,) = conn.execute("SELECT count(*) FROM inbox_events").fetchone()
        payload, status = conn.execute(
            "SELECT payload, status::text FROM inbox_events ORDER BY recorded_at LIMIT 1"
        ).fetchone()
    assert columns == [
        ("id", "uuid", "NO"),
        ("idempotency_key", "character varying", "YES"),
        ("payload", "jsonb", "NO"),
        ("status", "USER-DEFINED", "NO"),
        ("error", "character varying", "YES"),
        ("recorded_at", "timestamp with time zone", "NO"),
        ("processed_at", "timestamp with time zone", "YES"),
    ]
    assert count == len(webhooks)
    assert payload == webhooks[0] and status == "completed"
    assert {w["type"] for w in webhooks} == {
        "applicantCreated",
        "applicantPending",
        "applicantReviewed",
    }
    assert kyc_webhooks(CUSTOMERS, seed=SEED) == webhooks  # deterministic


# --- applicants from the webhook log ---------------------------------------------------------


def test_an_applicant_by_id_reflects_its_webhooks(fx, bank):
    latest = _latest(bank[1])
    for customer, last in latest.items():
        r = get(fx, f"/resources/applicants/{last['applicantId']}/one")
        assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
        applicant = r.json()
        assert applicant["id"] == last["applicantId"]
        assert applicant["externalUserId"] == customer
        assert applicant["inspectionId"] == last["inspectionId"]
        assert applicant["review"]["reviewStatus"] == last["reviewStatus"]
        assert applicant["review"]["levelName"] == last["levelName"]
        assert applicant.get("review", {}).get("reviewResult") == last.get("reviewResult")
        assert applicant["type"] == last["applicantType"]
        datetime.strptime(applicant["createdAt"], "%Y-%m-%d %H:%M:%S")  # no zone
        if "reviewDate" in applicant["review"]:
            assert applicant["review"]["reviewDate"].endswith("+0000")
        assert r.json() == get(fx, f"/resources/applicants/{last['applicantId']}/one").json()


def test_the_fields_lana_s_dbt_reads_are_there_and_vary(fx, bank):
    applicants = [
        get(fx, f"/resources/applicants/{w['applicantId']}/one").json()
        for w in _latest(bank[1]).values()
    ]
    people = [a for a in applicants if a["type"] == "individual"]
    companies = [a for a in applicants if a["type"] == "company"]
    assert people and companies
    for a in people:
        assert {"firstName", "lastName", "dob", "gender", "country", "nationality"} <= set(
            a["info"]
        )
    for a in companies:
        assert "companyInfo" in a["info"] and "dob" not in a["info"]
    with_docs = [a for a in people if "idDocs" in a["info"]]
    assert with_docs and len(with_docs) < len(people)  # none before an upload
    assert {"country", "idDocType", "number"} <= set(with_docs[0]["info"]["idDocs"][0])
    assert any("questionnaires" in a for a in applicants)
    assert any("questionnaires" not in a for a in applicants)
    assert any("fixedInfo" not in a for a in people)
    items = applicants[0].get("questionnaires", [{}])[0]
    if items:
        assert "occupation" in items["sections"]["personalInformation"]["items"]


def test_lookup_by_external_user_id_uses_the_raw_encoded_path(fx, add_webhooks):
    odd = "maría+kyc@example.com x"
    add_webhooks(
        [
            webhook(
                "applicantCreated",
                customer_id=odd,
                applicant_id="aaaabbbbccccddddeeeeffff",
                created_at=NOW - timedelta(hours=1),
            )
        ]
    )
    target = "/resources/applicants/-;externalUserId=mar%C3%ADa%2Bkyc%40example.com%20x/one"
    r = get(fx, target)
    assert r.status == 200
    assert r.json()["id"] == "aaaabbbbccccddddeeeeffff" and r.json()["externalUserId"] == odd
    # Signing the decoded path (a classic client bug) is a signature mismatch.
    decoded = "/resources/applicants/-;externalUserId=maría+kyc@example.com x/one"
    assert get(fx, target, sign_target=decoded).json()["errorCode"] == 4003
    missing = get(fx, "/resources/applicants/-;externalUserId=nobody%40example.com/one")
    assert missing.status == 404
    assert (
        missing.json()["description"]
        == "Applicant with external user id 'nobody@example.com' not found"
    )


def test_unknown_applicants_and_paths_are_404_json(fx):
    r = get(fx, "/resources/applicants/000000000000000000000000/one")
    assert r.status == 404
    body = r.json()
    assert body["code"] == 404 and body["correlationId"].startswith("req-")
    assert body["description"] == "Applicant not found: 000000000000000000000000"
    assert get(fx, "/resources/nope").status == 404


def test_new_webhooks_change_the_applicant_at_once(fx, bank, add_webhooks):
    webhooks = bank[1]
    created_only = [c for c, w in _latest(webhooks).items() if w["type"] == "applicantCreated"][0]
    applicant_id = _latest(webhooks)[created_only]["applicantId"]
    assert get(fx, f"/resources/applicants/{applicant_id}/metadata/resources").json() == {
        "items": [],
        "totalItems": 0,
    }
    add_webhooks(
        [
            webhook(
                "applicantReviewed",
                customer_id=created_only,
                applicant_id=applicant_id,
                created_at=NOW - timedelta(minutes=5),
                review_answer="RED",
                reject_type="FINAL",
                reject_labels=["FORGERY"],
            )
        ]
    )
    review = get(fx, f"/resources/applicants/{applicant_id}/one").json()["review"]
    assert review["reviewStatus"] == "completed"
    assert review["reviewResult"]["reviewAnswer"] == "RED"
    assert review["reviewResult"]["reviewRejectType"] == "FINAL"
    assert get(fx, f"/resources/applicants/{applicant_id}/status").json() == review
    meta = get(fx, f"/resources/applicants/{applicant_id}/metadata/resources").json()
    assert meta["totalItems"] == len(meta["items"]) >= 2
    assert {i["reviewResult"]["reviewAnswer"] for i in meta["items"]} == {"RED"}


def test_image_metadata_and_bytes(fx, bank):
    latest = _latest(bank[1])
    counts = []
    for w in latest.values():
        meta = get(fx, f"/resources/applicants/{w['applicantId']}/metadata/resources").json()
        counts.append(meta["totalItems"])
        for item in meta["items"]:
            assert set(item) >= {"id", "previewId", "addedDate", "fileMetadata", "idDocDef"}
            assert isinstance(item["fileMetadata"]["fileSize"], int)
    assert 0 in counts and max(counts) >= 4
    w = next(w for w in latest.values() if w["reviewStatus"] != "init")
    item = get(fx, f"/resources/applicants/{w['applicantId']}/metadata/resources").json()["items"][
        0
    ]
    image = get(fx, f"/resources/inspections/{w['inspectionId']}/resources/{item['id']}")
    assert image.status == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert image.body.startswith(b"\xff\xd8")


def test_same_seed_same_people_other_seed_other_people(bank):
    dsn, webhooks = bank
    applicant_id = webhooks[-1]["applicantId"]
    with FakeSumsub(dsn, seed=SEED, now=NOW) as a, FakeSumsub(dsn, seed=SEED + 1, now=NOW) as b:
        one = get(a, f"/resources/applicants/{applicant_id}/one").json()
        again = get(a, f"/resources/applicants/{applicant_id}/one").json()
        other = get(b, f"/resources/applicants/{applicant_id}/one").json()
    assert one == again
    assert one["info"] != other["info"]
    assert one["review"]["reviewStatus"] == other["review"]["reviewStatus"]


# --- signing (B.2, C.2.1) ---------------------------------------------------------------------


def test_signature_checks(fx, bank):
    target = f"/resources/applicants/{bank[1][0]['applicantId']}/one"
    now = int(NOW.timestamp())

    def code(**kw) -> tuple[int, int | None]:
        r = get(fx, target, **kw)
        return r.status, r.json().get("errorCode")

    assert code() == (200, None)
    assert code(secret="wrong") == (401, 4003)
    assert get(fx, target, secret="wrong").json()["description"] == "Request signature mismatch"
    assert code(ts=str(now - 60)) == (200, None)
    assert code(ts=str(now + 61)) == (401, 4004)
    assert code(ts=str(now * 1000)) == (401, 4004)  # milliseconds
    assert code(ts="soon") == (401, 4005)
    assert code(token="sbx:someone-else") == (401, 4001)
    assert code(headers={"X-App-Token": DEFAULT_TOKEN}) == (401, 4006)
    assert code(sign_target=target + "?") == (401, 4003)


def test_a_production_server_refuses_a_sandbox_token(bank):
    prd = "prd:lana-dw-token"
    with FakeSumsub(bank[0], now=NOW, mode="prd", tokens={DEFAULT_TOKEN: "s", prd: "s"}) as fx:
        assert get(fx, "/resources/status/api", secret="s").json()["errorCode"] == 4001
        assert get(fx, "/resources/status/api", token=prd, secret="s").status == 200


def test_clock_skew_mode_shifts_the_server_s_clock(fx):
    fx.fail("clock_skew", seconds=61, times=1)
    assert get(fx, "/resources/status/api").json()["errorCode"] == 4004
    assert get(fx, "/resources/status/api").status == 200


# --- rate limit (C.2.3) -----------------------------------------------------------------------


def test_more_than_300_gets_in_5_seconds_get_429_until_the_window_frees(bank):
    clock = FakeClock(NOW)
    with FakeSumsub(bank[0], clock=clock) as fx:
        statuses = [get(fx, "/resources/status/api").status for _ in range(301)]
        assert statuses == [200] * 300 + [429]
        blocked = get(fx, "/resources/status/api")
        assert blocked.headers["Retry-After"] == "5" and blocked.json()["code"] == 429
        clock.advance(5)
        assert get(fx, "/resources/status/api").status == 200
    with FakeSumsub(bank[0], clock=FakeClock(NOW), rate_limit=2, retry_after=False) as fx:
        replies = [get(fx, "/resources/status/api") for _ in range(3)]
        assert [r.status for r in replies] == [200, 200, 429]
        assert "Retry-After" not in replies[-1].headers


def test_switched_on_429_with_and_without_retry_after(fx):
    fx.fail("rate_limit", retry_after=7)
    fx.fail("rate_limit", retry_after=None)
    first, second = get(fx, "/resources/status/api"), get(fx, "/resources/status/api")
    assert (first.status, first.headers.get("Retry-After")) == (429, "7")
    assert (second.status, second.headers.get("Retry-After")) == (429, None)
    assert get(fx, "/resources/status/api").status == 200


# --- the other failure modes (C.2.4-6, C.2.10) --------------------------------------------------


def test_failure_modes_shape_the_reply(fx, bank):
    applicant_id = bank[1][-1]["applicantId"]
    one = f"/resources/applicants/{applicant_id}/one"

    fx.fail("maintenance", times=2)
    health = get(fx, "/resources/status/api")
    assert (health.status, health.json()["description"]) == (503, "Service is under maintenance")
    assert get(fx, one).status == 503

    fx.fail("server_error", status=502, body="html")
    r = get(fx, one)
    assert (r.status, r.headers["Content-Type"]) == (502, "text/html; charset=utf-8")
    fx.fail("server_error", status=500, body="empty")
    assert (lambda r: (r.status, r.body))(get(fx, one)) == (500, b"")
    fx.fail("server_error", status=503)
    assert get(fx, one).json()["code"] == 503

    fx.fail("truncated", endpoint="applicant")
    body = get(fx, one).body
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    fx.fail("wrong_content_type")
    r = get(fx, one)
    assert (r.status, r.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    fx.fail("error_200")
    r = get(fx, one)
    assert r.status == 200 and set(r.json()) >= {"description", "code"}
    fx.fail("missing_field", field="review")
    assert "review" not in get(fx, one).json()
    fx.fail("missing_field", field="info")
    assert "info" not in get(fx, one).json() and "review" in get(fx, one).json()
    fx.fail("forbidden", endpoint="metadata")
    r = get(fx, f"/resources/applicants/{applicant_id}/metadata/resources")
    assert (r.status, r.json()["code"]) == (403, 403)


def test_failures_target_one_applicant_after_some_requests(fx, bank):
    ids = [w["applicantId"] for w in _latest(bank[1]).values()]
    fx.fail("not_found", applicant_id=ids[1], times=None)
    fx.fail("server_error", endpoint="metadata", after=1, times=1, status=500)
    assert get(fx, f"/resources/applicants/{ids[0]}/one").status == 200
    assert get(fx, f"/resources/applicants/{ids[1]}/one").status == 404
    assert get(fx, f"/resources/applicants/{ids[1]}/one").status == 404
    metas = [get(fx, f"/resources/applicants/{i}/metadata/resources").status for i in ids[2:5]]
    assert metas == [200, 500, 200]
    fx.clear()
    assert get(fx, f"/resources/applicants/{ids[1]}/one").status == 200
    fx.delete(ids[2])
    assert get(fx, f"/resources/applicants/{ids[2]}/metadata/resources").status == 404
    assert [r.status for r in fx.requests_to("applicant")] == [200, 404, 404, 200]


def test_slow_and_reset_replies(fx):
    fx.fail("slow", delay=0.3)
    with pytest.raises(TimeoutError):
        get(fx, "/resources/status/api", timeout=0.1)
    fx.fail("reset")
    with pytest.raises(http.client.IncompleteRead):
        get(fx, "/resources/status/api")
    assert get(fx, "/resources/status/api").status == 200


# --- the command line -----------------------------------------------------------------------


def test_the_cli_serves_until_terminated(bank):
    env = {**os.environ, "SUMSUB_KEY": "sbx:cli-token", "SUMSUB_SECRET": "cli-secret"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lana_sandbox.fake_sumsub", "--port", "0", "--dsn", bank[0]],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1])
        ts = str(int(datetime.now(UTC).timestamp()))
        target = f"/resources/applicants/{bank[1][0]['applicantId']}/one"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request(
            "GET",
            target,
            headers={
                "X-App-Token": "sbx:cli-token",
                "X-App-Access-Ts": ts,
                "X-App-Access-Sig": sign("cli-secret", ts, "GET", target),
            },
        )
        reply = conn.getresponse()
        assert reply.status == 200
        assert json.loads(reply.read())["id"] == bank[1][0]["applicantId"]
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_webhooks_sharing_a_timestamp_fold_in_journey_order(fx, add_webhooks):
    at = NOW - timedelta(hours=2)
    common = {"customer_id": "same-ms", "applicant_id": "123412341234123412341234"}
    add_webhooks(
        [
            webhook("applicantPending", created_at=at, **common),
            webhook("applicantCreated", created_at=at, **common),
        ]
    )
    review = get(fx, "/resources/applicants/123412341234123412341234/one").json()["review"]
    assert review["reviewStatus"] == "pending"
