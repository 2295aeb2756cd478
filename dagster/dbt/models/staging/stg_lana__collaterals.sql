-- Current state of every collateral (the BTC posted for a facility), amounts in sats and BTC.
with

collaterals as (
    {{ lana_dw.lana_rollup_latest('core_collateral_events_rollup', [
        'secured_loan_id', 'custody_wallet_id', 'account_ids', 'collateral_amount', 'abs_diff',
        'direction', 'liquidation_id'
    ]) }}
)

select
    {{ lana_dw.as_id('collaterals.id') }} as collateral_id,
    {{ lana_dw.as_id('collaterals.secured_loan_id') }} as facility_id,
    {{ lana_dw.as_id('collaterals.custody_wallet_id') }} as custody_wallet_id,
    {{ lana_dw.json_id('collaterals.account_ids', 'collateral_account_id') }} as collateral_account_id,
    {{ lana_dw.json_id('collaterals.account_ids', 'collateral_in_liquidation_account_id') }}
        as collateral_in_liquidation_account_id,
    {{ lana_dw.json_id('collaterals.account_ids', 'liquidated_collateral_account_id') }}
        as liquidated_collateral_account_id,
    coalesce(collaterals.collateral_amount, 0) as collateral_sats,
    {{ lana_dw.sats_to_btc('coalesce(collaterals.collateral_amount, 0)') }} as collateral_btc,
    collaterals.abs_diff as last_change_sats,
    {{ lana_dw.sats_to_btc('collaterals.abs_diff') }} as last_change_btc,
    collaterals.direction as last_change_direction,
    {{ lana_dw.as_id('collaterals.liquidation_id') }} as liquidation_id,
    collaterals.version,
    collaterals.created_at,
    collaterals.modified_at,
    collaterals._sdc_batched_at as loaded_at
from collaterals
