"""`plan --target bigquery`: the Terraform JSON grants exactly what roles.yml says.

The expectations are computed here from the YAML itself (not from lana_access's model), so a
mistake in the generator cannot hide in both places.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from lana_access import bigquery
from lana_access.config import load

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "access" / "roles.yml"
COMMITTED = REPO / "access" / "bigquery" / "lana_dw_access.tf.json"
PROJECT = "${var.project_id}"


def _email(member: str) -> tuple[str, str]:
    kind, email = member.split(":", 1)
    return ("group_by_email" if kind == "group" else "user_by_email", email)


def expected(raw: dict) -> tuple[set, set, set, set]:
    grants, authorized, job_users, tables = set(), set(), set(), set()
    for role in raw["roles"].values():
        member = role["bigquery"].replace("{project}", PROJECT)
        field, email = _email(member)
        for dataset in role.get("write", []):
            grants.add((dataset, "WRITER", field, email))
        for dataset in role.get("read", []):
            if "." in dataset:  # schema.relation: that table only
                tables.add((*dataset.split("."), "roles/bigquery.dataViewer", member))
            elif dataset not in role.get("write", []):
                grants.add((dataset, "READER", field, email))
        job_users.add(member)
    for name, schema in raw["schemas"].items():
        for target in schema.get("views_read", []):
            authorized.add((target, name))
    return grants, authorized, job_users, tables


def actual(document: dict) -> tuple[set, set, set, set]:
    grants, authorized, tables = set(), set(), set()
    for entry in document["resource"]["google_bigquery_dataset_access"].values():
        assert entry["project"] == PROJECT
        if "dataset" in entry:
            assert entry["dataset"]["target_types"] == ["VIEWS"]
            assert entry["dataset"]["dataset"]["project_id"] == PROJECT
            authorized.add((entry["dataset_id"], entry["dataset"]["dataset"]["dataset_id"]))
        else:
            (field,) = {"group_by_email", "user_by_email"} & set(entry)
            grants.add((entry["dataset_id"], entry["role"], field, entry[field]))
    job_users = set()
    for entry in document["resource"]["google_project_iam_member"].values():
        assert (entry["role"], entry["project"]) == ("roles/bigquery.jobUser", PROJECT)
        job_users.add(entry["member"])
    for entry in document["resource"].get("google_bigquery_table_iam_member", {}).values():
        assert entry["project"] == PROJECT
        tables.add((entry["dataset_id"], entry["table_id"], entry["role"], entry["member"]))
    return grants, authorized, job_users, tables


def test_the_plan_grants_exactly_what_the_file_says():
    raw = yaml.safe_load(ROLES.read_text())
    document = json.loads(bigquery.render(load(ROLES)))
    assert actual(document) == expected(raw)


def test_analysts_reach_the_marts_only_through_the_masked_views():
    grants, authorized, _, tables = actual(json.loads(bigquery.render(load(ROLES))))
    analysts = {(d, r) for d, r, _, email in grants if email == "lana-dw-analysts@example.com"}
    assert analysts == {("dbt_lana_marts_masked", "READER")}
    assert ("dbt_lana_marts", "dbt_lana_marts_masked") in authorized
    assert not [t for t in tables if "analysts" in t[3]]
    reporting = {(d, r) for d, r, _, email in grants if email.startswith("lana-dw-reporting@")}
    assert reporting == {("dbt_lana_reports", "READER")}
    # The financial report's marts, table by table: no READER on dbt_lana_marts, so
    # dim_customers and the other marts stay closed.
    reporting_tables = {(d, t, r) for d, t, r, member in tables if "lana-dw-reporting@" in member}
    assert reporting_tables == {
        ("dbt_lana_marts", table, "roles/bigquery.dataViewer")
        for table in (
            "financial_summary",
            "fct_balance_sheet",
            "fct_income_statement",
            "fct_loan_portfolio",
            "fct_loan_book_daily",
        )
    }
    assert {member for *_, member in tables} == {
        "serviceAccount:lana-dw-reporting@${var.project_id}.iam.gserviceaccount.com"
    }
    loader = {(d, r) for d, r, _, email in grants if email.startswith("lana-dw-loader@")}
    assert loader == {("lana_raw", "WRITER")}


def test_the_committed_terraform_is_up_to_date():
    assert COMMITTED.read_text() == bigquery.render(load(ROLES)), (
        "regenerate: lana-dw access plan --target bigquery --out "
        "access/bigquery/lana_dw_access.tf.json"
    )


def test_cli_writes_the_file_and_a_project_default(lana_dw, tmp_path):
    out = tmp_path / "access.tf.json"
    result = lana_dw(
        "access",
        "plan",
        "--target",
        "bigquery",
        "--project",
        "bank-prod",
        "--out",
        str(out),
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["variable"]["project_id"]["default"] == "bank-prod"
    assert actual(document) == expected(yaml.safe_load(ROLES.read_text()))


def test_a_table_read_becomes_a_table_binding(setup):
    path = setup.write_file(
        lambda text: text.replace(
            "      - dbt_lana_marts.fct_loan_book_daily\n",
            "      - dbt_lana_marts.fct_loan_book_daily\n      - dbt_lana_marts.fct_payments\n",
        ),
        name="bq.yml",
    )
    base = setup.write_file(name="bq_base.yml")
    before = bigquery.build(load(base))["resource"]["google_bigquery_table_iam_member"]
    after = bigquery.build(load(path))["resource"]["google_bigquery_table_iam_member"]
    key = f"{setup.role('lana_reporting')}__dbt_lana_marts__fct_payments"
    assert set(after) - set(before) == {key}
    assert after[key] == {
        "project": PROJECT,
        "dataset_id": "dbt_lana_marts",
        "table_id": "fct_payments",
        "role": "roles/bigquery.dataViewer",
        "member": "serviceAccount:lana-dw-reporting@${var.project_id}.iam.gserviceaccount.com",
    }
