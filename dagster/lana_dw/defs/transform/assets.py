"""dbt models as assets; `dbt build` so every dbt test runs and shows as an asset check."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from lana_dw import paths
from lana_dw.defs.shared.resources import DUCKDB_POOL
from lana_dw.defs.transform.resources import dbt_project


class LanaDbtTranslator(DagsterDbtTranslator):
    """Groups by layer. Sources carry `meta.dagster.asset_key: ["lana_raw", table]` in their YAML,
    so they map onto the EL assets; models are keyed [schema, model] (dbt_project.yml)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


translator = LanaDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=DUCKDB_POOL,
)
def lana_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # dbt's profile reads the warehouse path from the environment, like every other tool.
    os.environ["LANA_DUCKDB_PATH"] = str(paths.duckdb_path())
    yield from dbt.cli(["build"], context=context).stream()
