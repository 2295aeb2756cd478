-- Every facility's collateral (from its rollup, 0 once completed) equals the current amount of
-- its collateral entity, which assert_loan_book_daily_matches_current_state ties to the BTC in
-- the ledger's collateral accounts: a completed facility's stale rollup figure shows up here.
select
    facilities.facility_id,
    facilities.status,
    facilities.collateral_sats,
    collaterals.collateral_sats as collaterals_sats
from {{ ref('stg_facilities') }} as facilities
left join {{ ref('stg_lana__collaterals') }} as collaterals
    on facilities.collateral_id = collaterals.collateral_id
where
    collaterals.collateral_id is null  -- a facility without its collateral entity
    or facilities.collateral_sats <> collaterals.collateral_sats
