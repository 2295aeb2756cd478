"""Fixtures: the shared reference files. Databases come from the root conftest (`make_db`)."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(os.environ.get("LANA_SHARED_DIR", REPO_ROOT.parent / "shared")) / "reference"


@pytest.fixture
def db(make_db) -> str:
    return make_db()


@pytest.fixture(scope="session")
def reference() -> Path:
    if not (REFERENCE / "lana-source.md").exists():
        pytest.fail(f"the shared reference is missing at {REFERENCE} (set LANA_SHARED_DIR)")
    return REFERENCE
