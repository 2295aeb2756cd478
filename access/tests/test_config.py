"""roles.yml: the committed file says what the issue's table says; a wrong file or
environment is refused with a message naming the problem."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lana_access.config import AccessConfigError, load, resolve_users

ROLES = Path(__file__).resolve().parents[2] / "access" / "roles.yml"
ALL = {"lana_raw", "dbt_lana", "dbt_lana_marts", "dbt_lana_marts_masked", "dbt_lana_reports"}


def test_the_committed_file_is_the_seed_table():
    config = load(ROLES)
    roles = config.roles
    assert set(config.schemas) == ALL
    # Data Engineer: full access. Analyst: marts only (masked). Reporting: report views only.
    assert set(roles["lana_engineer"].write) == ALL and roles["lana_engineer"].personal_data
    assert roles["lana_analyst"].read == ("dbt_lana_marts_masked",)
    assert not roles["lana_analyst"].write and not roles["lana_analyst"].personal_data
    # Reporting: the report views, and the financial report's five marts by name (never the
    # whole of dbt_lana_marts: dim_customers and the other marts stay closed).
    assert roles["lana_reporting"].read == (
        "dbt_lana_reports",
        "dbt_lana_marts.financial_summary",
        "dbt_lana_marts.fct_balance_sheet",
        "dbt_lana_marts.fct_income_statement",
        "dbt_lana_marts.fct_loan_portfolio",
        "dbt_lana_marts.fct_loan_book_daily",
    )
    assert not roles["lana_reporting"].write and roles["lana_reporting"].personal_data
    # The tools: the loader writes lana_raw only, dbt reads raw and writes its schemas.
    assert roles["lana_loader"].write == ("lana_raw",) and not roles["lana_loader"].read
    assert roles["lana_transformer"].read == ("lana_raw",)
    assert set(roles["lana_transformer"].write) == ALL - {"lana_raw"}
    assert {"email", "first_name", "last_name", "document_number", "phone"} <= set(
        config.personal_data.columns
    )
    tools = {u.role: u.user_env for u in config.users.values()}
    assert tools["lana_loader"] == "LANA_DW_LOADER_USER"
    assert tools["lana_transformer"] == "LANA_DW_DBT_USER"
    assert tools["lana_reporting"] == "LANA_DW_REPORTING_USER"


def test_reporting_reads_exactly_the_marts_the_financial_report_reads():
    """financial.py's SOURCES (read as text: the report's package is not imported here)."""
    source = ROLES.parents[1] / "generate_es_reports" / "generate_es_reports" / "financial.py"
    (sources,) = [
        node.value
        for node in ast.parse(source.read_text()).body
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["SOURCES"]
    ]
    marts = {g for g in load(ROLES).roles["lana_reporting"].read if "." in g}
    assert marts == set(ast.literal_eval(sources).values())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("read: [dbt_lana_marts_masked]", "read: [dbt_lana_mart]"),
            "roles.lana_analyst.read names unknown schema 'dbt_lana_mart'",
        ),
        (("write: [lana_raw]", "write: [lana_raw.core_public_ids]"), "roles.lana_loader.write"),
        (
            ("member_of: [lana_loader, lana_transformer]", "member_of: [lana_loader, lana_dba]"),
            "roles.lana_engineer.member_of names unknown role 'lana_dba'",
        ),
        (
            ("    role: lana_transformer\n", "    role: lana_dbt\n"),
            "users.dbt.role names unknown role 'lana_dbt'",
        ),
        (
            (
                "    personal_data: true\n    # The regulator report views",
                "    personal_data: yes please\n    # The regulator report views",
            ),
            "roles.lana_reporting.personal_data",
        ),
        (
            (
                "    session_role: true\n  generate_es_reports:",
                "    session_role: true\n    password: hunter2\n  generate_es_reports:",
            ),
            "users.dbt.password: Extra inputs are not permitted",
        ),
        (
            ("    owner: lana_loader\n", "    owner: lana_analyst\n"),
            "schemas.lana_raw.owner must be a role that writes it, not 'lana_analyst'",
        ),
        (
            ("bigquery: group:lana-dw-analysts@example.com", "bigquery: lana-dw-analysts"),
            "roles.lana_analyst.bigquery must be group:, user: or serviceAccount:<email>",
        ),
        (
            ("user_env: LANA_DW_ANALYST_USER", "user_env: LANA_DW_DBT_USER"),
            "environment variable LANA_DW_DBT_USER is named twice under users",
        ),
        (
            (
                '    description: "dbt: reads lana_raw, writes its own schemas."\n',
                '    description: "dbt: reads lana_raw, writes its own schemas."\n'
                "    member_of: [lana_engineer]\n",
            ),
            "is a member of itself through member_of",
        ),
    ],
)
def test_a_wrong_file_is_refused_with_the_place_named(tmp_path, edit, message):
    text = ROLES.read_text()
    assert edit[0] in text
    with pytest.raises(AccessConfigError) as caught:
        load(write(tmp_path, text.replace(edit[0], edit[1], 1)))
    assert message in str(caught.value)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(AccessConfigError, match="no such file"):
        load(tmp_path / "nope.yml")
    with pytest.raises(AccessConfigError, match="not valid YAML"):
        load(write(tmp_path, "roles: [\n"))
    with pytest.raises(AccessConfigError, match="expected a mapping"):
        load(write(tmp_path, "- just a list\n"))


def test_users_come_from_the_environment():
    config = load(ROLES)
    users, notes = resolve_users(
        config, {"LANA_DW_DBT_USER": "dbt_prod", "LANA_DW_DBT_PASSWORD": "s3cret"}
    )
    assert [(u.name, u.role, u.session_role) for u in users] == [
        ("dbt_prod", "lana_transformer", True)
    ]
    assert "s3cret" not in repr(users)
    assert len(notes) == len(config.users) - 1
    assert "users.analyst: LANA_DW_ANALYST_USER is not set, no login user for lana_analyst" in notes


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"LANA_DW_DBT_USER": "dbt_prod"},
            "LANA_DW_DBT_PASSWORD is not set: it holds the password of dbt_prod",
        ),
        (
            {"LANA_DW_DBT_USER": "DBT Prod", "LANA_DW_DBT_PASSWORD": "x"},
            "LANA_DW_DBT_USER='DBT Prod' (users.dbt) is not a plain lower-case PostgreSQL name",
        ),
        (
            {"LANA_DW_DBT_USER": "lana_analyst", "LANA_DW_DBT_PASSWORD": "x"},
            "is a group role's name",
        ),
        (
            {
                "LANA_DW_DBT_USER": "same",
                "LANA_DW_DBT_PASSWORD": "x",
                "LANA_DW_LOADER_USER": "same",
                "LANA_DW_LOADER_PASSWORD": "y",
            },
            "LANA_DW_LOADER_USER and LANA_DW_DBT_USER name the same user 'same'",
        ),
    ],
)
def test_a_wrong_environment_is_refused(environ, message):
    with pytest.raises(AccessConfigError) as caught:
        resolve_users(load(ROLES), environ)
    assert message in str(caught.value)
    for value in environ.values():
        if value in {"x", "y"}:
            assert f"={value}" not in str(caught.value)
