-- Current state of every deposit, with the time it was reverted (if it was).
with

deposits as (
    {{ lana_dw.lana_rollup_latest('core_deposit_events_rollup', [
        'deposit_account_id', 'public_id', 'reference', 'status', 'amount'
    ], event_times={'reverted_at': 'reverted'}) }}
)

select
    {{ lana_dw.as_id('deposits.id') }} as deposit_id,
    {{ lana_dw.as_id('deposits.deposit_account_id') }} as deposit_account_id,
    deposits.public_id,
    deposits.reference,
    deposits.status,
    deposits.amount as amount_cents,
    {{ lana_dw.cents_to_usd('deposits.amount') }} as amount_usd,
    deposits.version,
    deposits.created_at,
    deposits.reverted_at,
    deposits.modified_at,
    deposits._sdc_batched_at as loaded_at
from deposits
