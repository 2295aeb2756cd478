-- The recursive tree is closed: every direct child set of a set in a root's subtree is itself in
-- that subtree one level deeper, and every root reaches itself at tree_depth 0.
with

hierarchy as (
    select * from {{ ref('int_account_set_hierarchy') }}
),

edges as (
    select * from {{ ref('stg_lana__cala_account_set_member_account_sets') }}
),

expected as (
    select
        hierarchy.root_account_set_id,
        edges.member_account_set_id,
        hierarchy.tree_depth + 1 as tree_depth
    from hierarchy
    inner join edges
        on hierarchy.member_id = edges.account_set_id
    where hierarchy.member_type = 'ACCOUNT_SET'
)

select
    expected.root_account_set_id,
    expected.member_account_set_id,
    expected.tree_depth
from expected
left join hierarchy
    on
        expected.root_account_set_id = hierarchy.root_account_set_id
        and expected.member_account_set_id = hierarchy.member_id
        and expected.tree_depth = hierarchy.tree_depth
        and hierarchy.member_type = 'ACCOUNT_SET'
where hierarchy.member_id is null and expected.tree_depth < 32
