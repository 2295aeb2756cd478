-- The Cala account-set tree, flattened: for every account set, itself (tree_depth 0), every descendant
-- set (tree_depth = number of edges) and every account that is a direct member of one of them.
-- Recursive CTE in the form DuckDB, PostgreSQL and BigQuery all accept.
with recursive

set_edges as (
    select
        account_set_id as parent_account_set_id,
        member_account_set_id as child_account_set_id
    from {{ ref('stg_lana__cala_account_set_member_account_sets') }}
),

direct_accounts as (
    select
        account_set_id,
        member_account_id
    from {{ ref('stg_lana__cala_account_set_member_accounts') }}
    where not is_transitive
),

set_tree as (
    select
        account_set_id as root_account_set_id,
        account_set_id as descendant_account_set_id,
        cast(0 as {{ lana_dw.type_bigint() }}) as tree_depth
    from {{ ref('stg_lana__cala_account_sets') }}

    union all

    select
        set_tree.root_account_set_id,
        set_edges.child_account_set_id as descendant_account_set_id,
        cast(set_tree.tree_depth + 1 as {{ lana_dw.type_bigint() }}) as tree_depth
    from set_tree
    inner join set_edges
        on set_tree.descendant_account_set_id = set_edges.parent_account_set_id
    -- a guard against a cycle; Lana's chart is a few levels deep
    where set_tree.tree_depth < 32
),

members as (
    select
        root_account_set_id,
        'ACCOUNT_SET' as member_type,
        descendant_account_set_id as member_id,
        descendant_account_set_id as via_account_set_id,
        tree_depth
    from set_tree

    union all

    select
        set_tree.root_account_set_id,
        'ACCOUNT' as member_type,
        direct_accounts.member_account_id as member_id,
        set_tree.descendant_account_set_id as via_account_set_id,
        set_tree.tree_depth + 1 as tree_depth
    from set_tree
    inner join direct_accounts
        on set_tree.descendant_account_set_id = direct_accounts.account_set_id
)

select
    root_account_set_id,
    member_type,
    member_id,
    via_account_set_id,
    tree_depth
from members
