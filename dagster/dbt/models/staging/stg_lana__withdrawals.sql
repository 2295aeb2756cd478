-- Current state of every withdrawal, with the time it was confirmed (if it was).
with

withdrawals as (
    {{ lana_dw.lana_rollup_latest('core_withdrawal_events_rollup', [
        'deposit_account_id', 'public_id', 'reference', 'status', 'amount', 'approved',
        'is_approval_process_concluded', 'is_confirmed', 'is_cancelled'
    ], event_times={'confirmed_at': 'confirmed'}) }}
)

select
    {{ lana_dw.as_id('withdrawals.id') }} as withdrawal_id,
    {{ lana_dw.as_id('withdrawals.deposit_account_id') }} as deposit_account_id,
    withdrawals.public_id,
    withdrawals.reference,
    withdrawals.status,
    withdrawals.amount as amount_cents,
    {{ lana_dw.cents_to_usd('withdrawals.amount') }} as amount_usd,
    withdrawals.approved,
    coalesce(withdrawals.is_approval_process_concluded, false) as is_approval_process_concluded,
    coalesce(withdrawals.is_confirmed, false) as is_confirmed,
    coalesce(withdrawals.is_cancelled, false) as is_cancelled,
    withdrawals.version,
    withdrawals.created_at,
    withdrawals.confirmed_at,
    withdrawals.modified_at,
    withdrawals._sdc_batched_at as loaded_at
from withdrawals
