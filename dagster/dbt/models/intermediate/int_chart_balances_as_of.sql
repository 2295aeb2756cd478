-- Balance of every chart-of-accounts node as of var `as_of_date` (default: the ledger's last
-- effective date), per currency: the settled debit and credit totals of every ledger account
-- under the node's account set (its whole subtree), taken on the as-of date, or on the ledger's
-- last day when the as-of date is later (balances carry forward). USD and BTC stay apart.
with

as_of as (
    select {{ lana_dw.as_of_date() }} as as_of_date
),

daily as (
    select * from {{ ref('int_account_balances_daily') }}
),

-- the day the balances are read on: the as-of date, or the ledger's last day before it
balance_day as (
    select
        as_of.as_of_date,
        max(daily.balance_date) as balance_date
    from as_of
    left join daily
        on as_of.as_of_date >= daily.balance_date
    group by as_of.as_of_date
),

account_balances as (
    select
        daily.account_id,
        daily.currency,
        sum(daily.settled_dr_balance) as settled_dr_balance,
        sum(daily.settled_cr_balance) as settled_cr_balance
    from daily
    inner join balance_day
        on daily.balance_date = balance_day.balance_date
    group by daily.account_id, daily.currency
),

nodes as (
    select * from {{ ref('int_chart_of_accounts') }}
),

-- every account of the node's subtree, once (int_chart_node_accounts)
node_accounts as (
    select * from {{ ref('int_chart_node_accounts') }}
),

node_currency as (
    select
        node_accounts.chart_node_id,
        account_balances.currency,
        sum(account_balances.settled_dr_balance) as settled_dr_balance,
        sum(account_balances.settled_cr_balance) as settled_cr_balance
    from node_accounts
    inner join account_balances
        on node_accounts.account_id = account_balances.account_id
    group by node_accounts.chart_node_id, account_balances.currency
)

select
    balance_day.as_of_date,
    balance_day.balance_date,
    nodes.chart_node_id,
    nodes.chart_id,
    nodes.code,
    nodes.code_level,
    nodes.node_name,
    nodes.normal_balance_type,
    coalesce(usd.settled_dr_balance, 0) as usd_dr_balance,
    coalesce(usd.settled_cr_balance, 0) as usd_cr_balance,
    coalesce(btc.settled_dr_balance, 0) as btc_dr_balance,
    coalesce(btc.settled_cr_balance, 0) as btc_cr_balance
from nodes
cross join balance_day
left join node_currency as usd
    on nodes.chart_node_id = usd.chart_node_id and usd.currency = 'USD'
left join node_currency as btc
    on nodes.chart_node_id = btc.chart_node_id and btc.currency = 'BTC'
