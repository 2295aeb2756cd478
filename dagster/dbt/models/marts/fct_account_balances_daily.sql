-- Balance of every ledger account per currency and day (int_account_balances_daily: gap-free
-- from the account's first effective date to the ledger's last), with the account's chart
-- code, statement section and role (dim_accounts). Amounts are in major units of `currency`:
-- never add rows of different currencies.
select
    balances.balance_date,
    cast(balances.journal_id as {{ lana_dw.type_id() }}) as journal_id,
    cast(balances.account_id as {{ lana_dw.type_id() }}) as account_id,
    cast(balances.currency as {{ lana_dw.type_string() }}) as currency,
    labels.account_code,
    labels.chart_node_id,
    labels.chart_code,
    labels.statement_section,
    labels.account_role,
    labels.facility_id,
    labels.deposit_account_id,
    cast(lower(balances.normal_balance_type) as {{ lana_dw.type_string() }}) as normal_balance_type,
    balances.has_entries,
    balances.last_effective_date,
    cast(balances.settled_dr_balance as {{ lana_dw.type_btc() }}) as settled_dr_balance,
    cast(balances.settled_cr_balance as {{ lana_dw.type_btc() }}) as settled_cr_balance,
    cast(balances.settled_balance as {{ lana_dw.type_btc() }}) as settled_balance,
    cast(balances.pending_balance as {{ lana_dw.type_btc() }}) as pending_balance
from {{ ref('int_account_balances_daily') }} as balances
left join {{ ref('dim_accounts') }} as labels
    on balances.account_id = labels.account_id
