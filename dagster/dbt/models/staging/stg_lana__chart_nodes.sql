-- Current state of every chart of accounts node, its code as dotted sections (e.g. 11.01.0101).
with

nodes as (
    {{ lana_dw.lana_rollup_latest('core_chart_node_events_rollup', [
        'chart_id', 'ledger_account_id', 'ledger_account_set_id', 'spec'
    ]) }}
)

select
    {{ lana_dw.as_id('nodes.id') }} as chart_node_id,
    {{ lana_dw.as_id('nodes.chart_id') }} as chart_id,
    {{ lana_dw.as_id('nodes.ledger_account_set_id') }} as ledger_account_set_id,
    {{ lana_dw.as_id('nodes.ledger_account_id') }} as ledger_account_id,
    {{ lana_dw.chart_code('nodes.spec', 'code') }} as code,
    {{ lana_dw.chart_code('nodes.spec', 'parent') }} as parent_code,
    {{ lana_dw.json_text('nodes.spec', 'name.name') }} as node_name,
    {{ lana_dw.json_text('nodes.spec', 'normal_balance_type') }} as normal_balance_type,
    nodes.version,
    nodes.created_at,
    nodes.modified_at,
    nodes._sdc_batched_at as loaded_at
from nodes
