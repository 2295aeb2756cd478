"""Fixtures: Lana's contract (sandbox/reference). Databases come from the root conftest."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "sandbox" / "reference"


@pytest.fixture
def db(make_db) -> str:
    return make_db()


@pytest.fixture(scope="session")
def reference() -> Path:
    if not (REFERENCE / "lana-source.md").exists():
        pytest.fail(f"Lana's contract is missing at {REFERENCE}")
    return REFERENCE
