-- Which ledger accounts roll up into each chart node: every account that is a member of the
-- node's Cala account set or of one of its descendant sets (int_account_set_hierarchy),
-- once per node even when reachable by several paths. `is_direct` marks the accounts that are
-- members of the node's own set (the node an account is posted under).
with

nodes as (
    select
        chart_node_id,
        ledger_account_set_id
    from {{ ref('int_chart_of_accounts') }}
    where ledger_account_set_id is not null
),

members as (
    select
        nodes.chart_node_id,
        hierarchy.member_id as account_id,
        min(hierarchy.tree_depth) as tree_depth
    from nodes
    inner join {{ ref('int_account_set_hierarchy') }} as hierarchy
        on nodes.ledger_account_set_id = hierarchy.root_account_set_id
    where hierarchy.member_type = 'ACCOUNT'
    group by nodes.chart_node_id, hierarchy.member_id
)

select
    chart_node_id,
    account_id,
    tree_depth,
    tree_depth = 1 as is_direct
from members
