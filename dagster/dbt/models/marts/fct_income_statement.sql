-- The income statement per calendar month (UTC) and currency: one row per chart node of the
-- revenue, cost of revenue and expenses sections and month, from the first to the last month
-- of the ledger. closing_balance = the node's balance (sum over the ledger accounts under it,
-- signed by its normal balance) at the end of the month (or on the ledger's last date in its
-- last month); opening_balance = the previous month's closing; amount = closing - opening,
-- the revenue earned or the expense incurred in the month. Cala balances are cumulative, so
-- a closing entry into equity (none in the sandbox) would show as negative activity.
with

ledger as (
    select max(balance_date) as last_date
    from {{ ref('int_account_balances_daily') }}
),

income_nodes as (
    select * from {{ ref('int_chart_of_accounts') }}
    where statement_section in ('revenue', 'cost_of_revenue', 'expenses')
),

-- account balances at each month's end (or the ledger's last day)
period_end_balances as (
    select
        {{ lana_dw.month_start('balances.balance_date') }} as month_start,
        balances.balance_date as period_end,
        balances.account_id,
        balances.currency,
        balances.settled_dr_balance,
        balances.settled_cr_balance
    from {{ ref('int_account_balances_daily') }} as balances
    cross join ledger
    where
        balances.balance_date = cast({{ dbt.last_day('balances.balance_date', 'month') }} as date)
        or balances.balance_date = ledger.last_date
),

node_closing as (
    select
        income_nodes.chart_node_id,
        period_end_balances.currency,
        period_end_balances.month_start,
        sum(
            case
                when income_nodes.normal_balance_type = 'credit'
                    then period_end_balances.settled_cr_balance - period_end_balances.settled_dr_balance
                else period_end_balances.settled_dr_balance - period_end_balances.settled_cr_balance
            end
        ) as closing_balance
    from income_nodes
    inner join {{ ref('int_chart_node_accounts') }} as node_accounts
        on income_nodes.chart_node_id = node_accounts.chart_node_id
    inner join period_end_balances
        on node_accounts.account_id = period_end_balances.account_id
    group by income_nodes.chart_node_id, period_end_balances.currency, period_end_balances.month_start
),

bounds as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from node_closing
),

months as (
    {{ lana_dw.month_spine('bounds', 'first_month', 'last_month') | indent(4) }}
),

node_currencies as (
    select distinct
        chart_node_id,
        currency
    from node_closing
),

dense as (
    select
        months.month_start,
        node_currencies.chart_node_id,
        node_currencies.currency,
        coalesce(node_closing.closing_balance, 0) as closing_balance
    from months
    cross join node_currencies
    left join node_closing
        on
            months.month_start = node_closing.month_start
            and node_currencies.chart_node_id = node_closing.chart_node_id
            and node_currencies.currency = node_closing.currency
),

with_opening as (
    select
        dense.*,
        coalesce(
            lag(dense.closing_balance) over (
                partition by dense.chart_node_id, dense.currency
                order by dense.month_start
            ),
            0
        ) as opening_balance
    from dense
)

select
    with_opening.month_start,
    case
        when cast({{ dbt.last_day('with_opening.month_start', 'month') }} as date) > ledger.last_date
            then ledger.last_date
        else cast({{ dbt.last_day('with_opening.month_start', 'month') }} as date)
    end as period_end,
    cast(with_opening.currency as {{ lana_dw.type_string() }}) as currency,
    cast(income_nodes.statement_section as {{ lana_dw.type_string() }}) as statement_section,
    cast(income_nodes.chart_node_id as {{ lana_dw.type_id() }}) as chart_node_id,
    cast(income_nodes.code as {{ lana_dw.type_string() }}) as chart_code,
    cast(income_nodes.parent_code as {{ lana_dw.type_string() }}) as parent_code,
    cast(income_nodes.node_name as {{ lana_dw.type_string() }}) as line_name,
    cast(income_nodes.normal_balance_type as {{ lana_dw.type_string() }}) as normal_balance_type,
    income_nodes.parent_code is null as is_section_total,
    cast(with_opening.opening_balance as {{ lana_dw.type_btc() }}) as opening_balance,
    cast(with_opening.closing_balance as {{ lana_dw.type_btc() }}) as closing_balance,
    cast(with_opening.closing_balance - with_opening.opening_balance as {{ lana_dw.type_btc() }}) as amount
from with_opening
inner join income_nodes on with_opening.chart_node_id = income_nodes.chart_node_id
cross join ledger
