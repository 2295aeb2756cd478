-- Double entry holds in the warehouse's copy of the ledger:
--   1. entries: per effective date, currency and layer, debits = credits (and per transaction);
--   2. balances: per day and currency, the debit balances of all accounts = their credit
--      balances (int_account_balances_daily, i.e. what the statements are built from).
-- Amounts are in major units of each row's currency; currencies are never mixed.
with

entries as (
    select
        transaction_id,
        effective_date,
        currency,
        layer,
        case when lower(direction) = 'debit' then units else -units end as signed_units
    from {{ ref('stg_lana__cala_entry_events') }}
),

by_date as (
    select
        'entries_by_date' as check_name,
        cast(effective_date as {{ lana_dw.type_string() }}) as check_key,
        currency,
        layer,
        sum(signed_units) as debits_minus_credits
    from entries
    group by effective_date, currency, layer
),

by_transaction as (
    select
        'entries_by_transaction' as check_name,
        cast(transaction_id as {{ lana_dw.type_string() }}) as check_key,
        currency,
        layer,
        sum(signed_units) as debits_minus_credits
    from entries
    group by transaction_id, currency, layer
),

balances_by_day as (
    select
        'balances_by_day' as check_name,
        cast(balance_date as {{ lana_dw.type_string() }}) as check_key,
        currency,
        'settled' as layer,
        sum(settled_dr_balance - settled_cr_balance) as debits_minus_credits
    from {{ ref('int_account_balances_daily') }}
    group by balance_date, currency
)

select * from by_date
where debits_minus_credits != 0
union all
select * from by_transaction
where debits_minus_credits != 0
union all
select * from balances_by_day
where debits_minus_credits != 0
