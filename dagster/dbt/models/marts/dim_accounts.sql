-- One row per Cala ledger account: its chart of accounts node (the node whose account set it
-- is a direct member of), the statement section of that code, its normal balance, the
-- currency it holds, and what it belongs to (a deposit account, or a facility in some role).
-- Account sets are accounts in Cala too (is_account_set); they carry no balances of their own.
with

accounts as (
    select * from {{ ref('stg_lana__cala_accounts') }}
),

home_nodes as (
    select
        node_accounts.account_id,
        charts.chart_node_id,
        charts.code,
        charts.node_name,
        charts.statement_section,
        row_number() over (
            partition by node_accounts.account_id
            order by length(charts.code) desc, charts.code
        ) as node_rank
    from {{ ref('int_chart_node_accounts') }} as node_accounts
    inner join {{ ref('int_chart_of_accounts') }} as charts
        on node_accounts.chart_node_id = charts.chart_node_id
    where node_accounts.is_direct
),

currencies as (
    select
        account_id,
        min(currency) as currency,
        count(distinct currency) as currency_count
    from {{ ref('stg_lana__cala_balance_history') }}
    group by account_id
),

deposit_accounts as (
    select
        ledger_account_id as account_id,
        deposit_account_id,
        'deposit' as account_role
    from {{ ref('stg_lana__deposit_accounts') }}
    union all
    select
        frozen_ledger_account_id as account_id,
        deposit_account_id,
        'frozen_deposit' as account_role
    from {{ ref('stg_lana__deposit_accounts') }}
    where frozen_ledger_account_id is not null
)

select
    cast(accounts.account_id as {{ lana_dw.type_id() }}) as account_id,
    cast(accounts.code as {{ lana_dw.type_string() }}) as account_code,
    cast(accounts.name as {{ lana_dw.type_string() }}) as account_name,
    cast(accounts.external_id as {{ lana_dw.type_string() }}) as external_id,
    cast(lower(accounts.normal_balance_type) as {{ lana_dw.type_string() }}) as normal_balance_type,
    cast(accounts.status as {{ lana_dw.type_string() }}) as status,
    account_sets.account_set_id is not null as is_account_set,
    cast(home_nodes.chart_node_id as {{ lana_dw.type_id() }}) as chart_node_id,
    cast(home_nodes.code as {{ lana_dw.type_string() }}) as chart_code,
    cast(home_nodes.node_name as {{ lana_dw.type_string() }}) as chart_node_name,
    cast(home_nodes.statement_section as {{ lana_dw.type_string() }}) as statement_section,
    cast(currencies.currency as {{ lana_dw.type_string() }}) as currency,
    cast(coalesce(currencies.currency_count, 0) as {{ lana_dw.type_bigint() }}) as currency_count,
    cast(coalesce(facility_accounts.account_role, deposit_accounts.account_role) as {{ lana_dw.type_string() }})
        as account_role,
    cast(facility_accounts.facility_id as {{ lana_dw.type_id() }}) as facility_id,
    cast(deposit_accounts.deposit_account_id as {{ lana_dw.type_id() }}) as deposit_account_id,
    accounts.created_at
from accounts
left join {{ ref('stg_lana__cala_account_sets') }} as account_sets
    on accounts.account_id = account_sets.account_set_id
left join home_nodes
    on accounts.account_id = home_nodes.account_id and home_nodes.node_rank = 1
left join currencies
    on accounts.account_id = currencies.account_id
left join {{ ref('int_facility_accounts') }} as facility_accounts
    on accounts.account_id = facility_accounts.account_id
left join deposit_accounts
    on accounts.account_id = deposit_accounts.account_id
