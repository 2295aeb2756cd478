-- The balance sheet as of var `as_of_date` (default: the ledger's last effective date), per
-- currency: one row per chart node of the asset, liability and equity sections with the sum
-- of the balances of every ledger account under it (signed by the node's normal balance),
-- plus one `current_earnings` row per currency: revenue - cost of revenue - expenses not yet
-- closed into equity (the sum of cr - dr over the income statement accounts). Per currency:
-- assets = liabilities + equity + current earnings (tests/assert_balance_sheet_balances.sql).
with

as_of as (
    select {{ lana_dw.as_of_date() }} as as_of_date
),

-- each account's balance at the end of the date (its latest day on or before it)
account_balances as (
    select
        ranked.account_id,
        ranked.currency,
        ranked.settled_dr_balance,
        ranked.settled_cr_balance
    from (
        select
            balances.account_id,
            balances.currency,
            balances.settled_dr_balance,
            balances.settled_cr_balance,
            row_number() over (
                partition by balances.journal_id, balances.account_id, balances.currency
                order by balances.balance_date desc
            ) as day_rank
        from {{ ref('int_account_balances_daily') }} as balances
        cross join as_of
        where balances.balance_date <= as_of.as_of_date
    ) as ranked
    where ranked.day_rank = 1
),

nodes as (
    select * from {{ ref('int_chart_of_accounts') }}
),

node_balances as (
    select
        nodes.chart_node_id,
        account_balances.currency,
        sum(account_balances.settled_dr_balance) as dr_balance,
        sum(account_balances.settled_cr_balance) as cr_balance,
        count(*) as account_count
    from nodes
    inner join {{ ref('int_chart_node_accounts') }} as node_accounts
        on nodes.chart_node_id = node_accounts.chart_node_id
    inner join account_balances
        on node_accounts.account_id = account_balances.account_id
    where nodes.statement_section in ('asset', 'liability', 'equity')
    group by nodes.chart_node_id, account_balances.currency
),

current_earnings as (
    select
        account_balances.currency,
        sum(account_balances.settled_cr_balance - account_balances.settled_dr_balance) as balance,
        count(*) as account_count
    from account_balances
    inner join {{ ref('dim_accounts') }} as account_labels
        on account_balances.account_id = account_labels.account_id
    where account_labels.statement_section in ('revenue', 'cost_of_revenue', 'expenses')
    group by account_balances.currency
),

lines as (
    select
        'chart_node' as line_type,
        nodes.statement_section,
        nodes.chart_node_id,
        nodes.code as chart_code,
        nodes.parent_code,
        nodes.node_name as line_name,
        nodes.normal_balance_type,
        node_balances.currency,
        case
            when nodes.normal_balance_type = 'credit' then node_balances.cr_balance - node_balances.dr_balance
            else node_balances.dr_balance - node_balances.cr_balance
        end as balance,
        node_balances.account_count
    from node_balances
    inner join nodes on node_balances.chart_node_id = nodes.chart_node_id

    union all

    select
        'current_earnings' as line_type,
        'equity' as statement_section,
        null as chart_node_id,
        null as chart_code,
        null as parent_code,
        'Current earnings (revenue - cost of revenue - expenses, not yet closed)' as line_name,
        'credit' as normal_balance_type,
        currency,
        balance,
        account_count
    from current_earnings
)

select
    as_of.as_of_date,
    cast(lines.currency as {{ lana_dw.type_string() }}) as currency,
    cast(lines.line_type as {{ lana_dw.type_string() }}) as line_type,
    cast(lines.statement_section as {{ lana_dw.type_string() }}) as statement_section,
    cast(lines.chart_node_id as {{ lana_dw.type_id() }}) as chart_node_id,
    cast(lines.chart_code as {{ lana_dw.type_string() }}) as chart_code,
    cast(lines.parent_code as {{ lana_dw.type_string() }}) as parent_code,
    cast(lines.line_name as {{ lana_dw.type_string() }}) as line_name,
    cast(lines.normal_balance_type as {{ lana_dw.type_string() }}) as normal_balance_type,
    lines.line_type = 'current_earnings' or lines.parent_code is null as is_section_total,
    cast(lines.balance as {{ lana_dw.type_btc() }}) as balance,
    cast(lines.account_count as {{ lana_dw.type_bigint() }}) as account_count
from lines
cross join as_of
