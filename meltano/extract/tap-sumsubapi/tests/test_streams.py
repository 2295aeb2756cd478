"""What the tap extracts from a healthy fake Sumsub: rows, values, state, resumption."""

from __future__ import annotations

import json


def test_one_applicant_row_per_customer_in_webhook_order(sync, bank, fake):
    run = sync()
    assert run.error is None
    assert run.customers() == bank.order()
    latest = bank.latest()
    for row in run.rows():
        webhook = latest[row["customer_id"]]
        truth = fake.applicant(webhook["applicantId"])
        assert row["fetch_status"] == "found"
        assert row["applicant_id"] == webhook["applicantId"] == truth["id"]
        assert row["webhook_type"] == webhook["type"]
        assert row["review_status"] == webhook["reviewStatus"]
        answer = (webhook.get("reviewResult") or {}).get("reviewAnswer")
        assert row["review_answer"] == answer
        assert json.loads(row["content"]) == truth
        assert row["error"] is None
    assert {r["review_answer"] for r in run.rows()} >= {"GREEN", None}
