-- The chart of accounts: one row per chart node with its dotted code, its parent node, its
-- level in the tree, its statement section and the Cala account set that carries its balance.
with recursive

nodes as (
    select * from {{ ref('stg_lana__chart_nodes') }}
),

-- level 1 for a root; a child one below its parent. Counting the code's dotted sections would
-- put Lana's "1" and its child "11" both on level 1.
levels as (
    select
        chart_id,
        code,
        cast(1 as {{ lana_dw.type_bigint() }}) as code_level
    from nodes
    where parent_code is null

    union all

    select
        nodes.chart_id,
        nodes.code,
        cast(levels.code_level + 1 as {{ lana_dw.type_bigint() }}) as code_level
    from levels
    inner join nodes
        on
            levels.chart_id = nodes.chart_id
            and levels.code = nodes.parent_code
    -- a guard against a cycle; a chart is a few levels deep
    where levels.code_level < 32
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
    levels.code_level,
    {{ lana_dw.chart_section('nodes.code') }} as statement_section,
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
left join levels
    on
        nodes.chart_id = levels.chart_id
        and nodes.code = levels.code
left join account_sets
    on nodes.ledger_account_set_id = account_sets.account_set_id
