-- Current state of every chart of accounts, with the codes of its base configuration.
with

charts as (
    {{ lana_dw.lana_rollup_latest('core_chart_events_rollup', [
        'account_set_id', 'name', 'reference', 'base_config'
    ]) }}
)

select
    {{ lana_dw.as_id('charts.id') }} as chart_id,
    {{ lana_dw.as_id('charts.account_set_id') }} as account_set_id,
    charts.name,
    charts.reference,
    {{ lana_dw.json_text('charts.base_config', 'assets_code.sections[0].code') }} as assets_code,
    {{ lana_dw.json_text('charts.base_config', 'liabilities_code.sections[0].code') }} as liabilities_code,
    {{ lana_dw.json_text('charts.base_config', 'equity_code.sections[0].code') }} as equity_code,
    {{ lana_dw.json_text('charts.base_config', 'revenue_code.sections[0].code') }} as revenue_code,
    {{ lana_dw.json_text('charts.base_config', 'cost_of_revenue_code.sections[0].code') }} as cost_of_revenue_code,
    {{ lana_dw.json_text('charts.base_config', 'expenses_code.sections[0].code') }} as expenses_code,
    charts.version,
    charts.created_at,
    charts.modified_at,
    charts._sdc_batched_at as loaded_at
from charts
