"""The dbt project (dagster/dbt) and its CLI resource."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from lana_dw import paths

dbt_project = DbtProject(
    project_dir=paths.DBT_PROJECT_DIR,
    profiles_dir=paths.DBT_PROJECT_DIR,
    target="duckdb",
)

# Under `dagster dev` (make ui) the manifest is rebuilt at load, so model edits show at once;
# everywhere else it is the one `make setup` built (dbt parse), never built at import.
dbt_project.prepare_if_dev()

if not dbt_project.manifest_path.exists():
    raise dg.DagsterInvariantViolationError(
        f"dbt manifest missing at {dbt_project.manifest_path}: it is built at install time; "
        "run `make setup` (or `dbt parse` in dagster/dbt)."
    )

# The dbt installed next to this Python (the workspace venv), not whatever is on PATH.
dbt_resource = DbtCliResource(
    project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
)
