-- The chart of accounts: one row per chart node with its dotted code, its parent node and the
-- Cala account set that carries its balance.
with

nodes as (
    select * from {{ ref('stg_lana__chart_nodes') }}
),

charts as (
    select * from {{ ref('stg_lana__charts') }}
),

account_sets as (
    select * from {{ ref('stg_lana__cala_account_sets') }}
)

select
    nodes.chart_node_id,
    nodes.chart_id,
    charts.name as chart_name,
    nodes.code,
    nodes.parent_code,
    parents.chart_node_id as parent_chart_node_id,
    -- number of dotted sections: 1 for a top-level code such as 11
    length(nodes.code) - length(replace(nodes.code, '.', '')) + 1 as code_level,
    nodes.node_name,
    nodes.normal_balance_type,
    nodes.ledger_account_set_id,
    account_sets.name as account_set_name,
    account_sets.external_id as account_set_external_id,
    nodes.ledger_account_id,
    nodes.created_at,
    nodes.modified_at
from nodes
left join charts
    on nodes.chart_id = charts.chart_id
left join nodes as parents
    on
        nodes.chart_id = parents.chart_id
        and nodes.parent_code = parents.code
left join account_sets
    on nodes.ledger_account_set_id = account_sets.account_set_id
