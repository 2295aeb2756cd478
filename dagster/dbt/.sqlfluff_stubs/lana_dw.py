"""Stand-ins for the lana_dw dbt macros, used only by sqlfluff's jinja templater.

They return SQL of the same shape as the real macros compile to on DuckDB, so the linter
sees realistic SQL without dbt or a warehouse. Keep the signatures in step with macros/.
"""

_BASE = ["id", "version", "created_at", "modified_at", "event_type"]


def _select(columns, relation):
    cols = ",\n        ".join([*columns, "_sdc_batched_at"])
    return f"select\n        {cols}\n    from lana_raw.{relation}"


def lana_latest_load(table_name, key_columns, columns):
    return _select(columns, table_name)


def lana_rollup_history(table_name, columns=()):
    return _select(_BASE + list(columns), table_name)


def lana_rollup_latest(table_name, columns=(), event_times=None):
    return _select(_BASE + list(columns) + list(event_times or {}), table_name)


def json_text(column, path):
    return f"json_extract_string({column}, '$.{path}')"


def json_number(column, path, type_name="rate"):
    return f"cast({json_text(column, path)} as {lana_type(type_name)})"


def json_id(column, path):
    return f"cast({json_text(column, path)} as uuid)"


def cents_to_usd(column):
    return f"(cast({column} as decimal(38, 0)) * cast(0.01 as decimal(3, 2)))"


def sats_to_btc(column):
    return f"(cast({column} as decimal(38, 0)) * cast(0.00000001 as decimal(9, 8)))"


def lana_date(column):
    return f"cast({column} as date)"


def utc_date(column):
    return f"cast(timezone('UTC', {column}) as date)"


def month_start(column):
    return f"cast(date_trunc('month', {column}) as date)"


def month_spine(bounds, start_column, end_column):
    return (
        f"select cast(unnest(generate_series(cast({start_column} as timestamp), "
        f"cast({end_column} as timestamp), interval 1 month)) as date) as month_start\n    from {bounds}"
    )


def customer_status(column):
    return (
        f"case when {column} is null or lower({column}) = 'active' then 'ACTIVE' "
        f"when lower({column}) = 'frozen' then 'SUSPENDED' "
        f"when lower({column}) = 'closed' then 'INACTIVE' else upper({column}) end"
    )


_TYPES = {
    "id": "uuid", "string": "varchar", "bigint": "bigint", "boolean": "boolean", "date": "date",
    "timestamptz": "timestamptz", "usd": "decimal(38, 2)", "btc": "decimal(38, 8)",
    "rate": "decimal(38, 6)",
}


def lana_type(name):
    return _TYPES[name]


def type_id():
    return _TYPES["id"]


def type_string():
    return _TYPES["string"]


def type_bigint():
    return _TYPES["bigint"]


def type_timestamptz():
    return _TYPES["timestamptz"]


def type_usd():
    return _TYPES["usd"]


def type_btc():
    return _TYPES["btc"]


def type_rate():
    return _TYPES["rate"]


def _range_violation(column, min_value, max_value, inclusive):
    return f"{column} < 0"


def _first_event_times(event_times, alias):
    return " ".join(f"min({alias}.modified_at) over (partition by {alias}.id) as {c}," for c in event_times)


def as_id(column):
    return f"cast({column} as uuid)"
