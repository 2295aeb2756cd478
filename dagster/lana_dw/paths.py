"""Where things live: the repository's folders and the environment that overrides them."""

import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("LANA_DW_HOME", Path(__file__).resolve().parents[2]))
MELTANO_PROJECT_DIR = REPO_ROOT / "meltano"
DBT_PROJECT_DIR = REPO_ROOT / "dagster" / "dbt"


def duckdb_path() -> Path:
    """The warehouse file (env LANA_DUCKDB_PATH, default warehouse/lana.duckdb)."""
    return Path(
        os.environ.get("LANA_DUCKDB_PATH", REPO_ROOT / "warehouse" / "lana.duckdb")
    ).resolve()


def reports_dir() -> Path:
    """Where report files land (env LANA_REPORTS_DIR, default reports/)."""
    return Path(os.environ.get("LANA_REPORTS_DIR", REPO_ROOT / "reports")).resolve()
