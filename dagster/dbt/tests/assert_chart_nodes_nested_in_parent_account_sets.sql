-- The chart of accounts sits on Cala's account sets: each child node's account set is a member
-- of its parent node's account set, i.e. is in the parent's subtree one level down.
select
    nodes.chart_node_id,
    nodes.code,
    nodes.parent_code
from {{ ref('int_chart_of_accounts') }} as nodes
inner join {{ ref('int_chart_of_accounts') }} as parents
    on nodes.parent_chart_node_id = parents.chart_node_id
left join {{ ref('int_account_set_hierarchy') }} as hierarchy
    on
        parents.ledger_account_set_id = hierarchy.root_account_set_id
        and nodes.ledger_account_set_id = hierarchy.member_id
        and hierarchy.member_type = 'ACCOUNT_SET'
        and hierarchy.tree_depth = 1
where hierarchy.member_id is null
