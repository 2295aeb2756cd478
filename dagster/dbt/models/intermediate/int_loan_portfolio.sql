-- The loan book as of var `as_of_date` (default: the ledger's last effective date, see
-- macros/as_of_date.sql): one row per disbursal settled by then, with what is still owed on it,
-- how late it is, its NRP-41 state and NCB-022 risk category, and the facility's collateral
-- allocated to it. Everything is computed from events dated on or before as_of_date (payment
-- allocations by effective date, obligations by effective date, the collateral and Lana's
-- price by event date), so a past as_of_date reproduces the book of that day.
--
-- Per disbursal:
--   principal outstanding = its Disbursal obligation - allocations to it
--   interest outstanding  = the facility's unpaid Interest obligations, allocated to its
--                           disbursals pro rata to principal outstanding (exact to the cent)
--   overdue since         = the due date of the oldest unpaid obligation whose due date has
--                           passed (principal: its own obligation; interest: the facility's)
--   collateral            = the facility's collateral allocated pro rata to principal
--                           outstanding (exact to the satoshi)
-- Pro rata is exact: each share is floored in minor units (cents, sats) and the units left
-- over go one each to the largest remainders, so shares add up to the facility total. When
-- nothing is outstanding on any of the facility's disbursals, the weights are their amounts.
with

as_of as (
    select {{ lana_dw.as_of_date() }} as as_of_date
),

disbursals as (
    select
        disbursals.disbursal_id,
        disbursals.public_id as disbursal_public_id,
        disbursals.facility_id,
        disbursals.obligation_id,
        disbursals.amount_cents,
        disbursals.amount_usd,
        disbursals.effective_date as disbursal_date,
        as_of.as_of_date
    from {{ ref('stg_lana__disbursals') }} as disbursals
    cross join as_of
    where disbursals.is_settled and disbursals.effective_date <= as_of.as_of_date
),

paid_as_of as (
    select
        allocations.obligation_id,
        sum(allocations.amount_cents) as paid_cents
    from {{ ref('stg_lana__payment_allocations') }} as allocations
    cross join as_of
    where allocations.effective_date <= as_of.as_of_date
    group by allocations.obligation_id
),

obligations as (
    select
        obligations.obligation_id,
        obligations.facility_id,
        obligations.obligation_type,
        obligations.due_date,
        obligations.amount_cents - coalesce(paid_as_of.paid_cents, 0) as outstanding_cents,
        as_of.as_of_date
    from {{ ref('stg_lana__obligations') }} as obligations
    cross join as_of
    left join paid_as_of on obligations.obligation_id = paid_as_of.obligation_id
    where coalesce(obligations.effective_date, {{ lana_dw.utc_date('obligations.created_at') }}) <= as_of.as_of_date
),

facility_interest as (
    select
        facility_id,
        sum(outstanding_cents) as interest_outstanding_cents,
        min(case when outstanding_cents > 0 and due_date < as_of_date then due_date end) as interest_overdue_since
    from obligations
    where obligation_type = 'Interest'
    group by facility_id
),

principal as (
    select
        disbursals.*,
        coalesce(obligations.outstanding_cents, disbursals.amount_cents) as principal_outstanding_cents,
        case
            when obligations.outstanding_cents > 0 and obligations.due_date < disbursals.as_of_date
                then obligations.due_date
        end as principal_overdue_since
    from disbursals
    left join obligations on disbursals.obligation_id = obligations.obligation_id
),

-- the facility's collateral as of the date: its latest version recorded by then
facility_versions as (
    select
        history.facility_id,
        history.collateral_sats,
        row_number() over (partition by history.facility_id order by history.version desc) as version_rank
    from {{ ref('stg_lana__credit_facility_history') }} as history
    cross join as_of
    where history.modified_date <= as_of.as_of_date
),

weighted as (
    select
        principal.*,
        case
            when sum(principal.principal_outstanding_cents) over (partition by principal.facility_id) > 0
                then principal.principal_outstanding_cents
            else principal.amount_cents
        end as weight_cents
    from principal
),

shares as (
    select
        weighted.*,
        coalesce(facility_interest.interest_outstanding_cents, 0) as facility_interest_cents,
        facility_interest.interest_overdue_since as facility_interest_overdue_since,
        coalesce(facility_versions.collateral_sats, 0) as facility_collateral_sats,
        sum(weighted.weight_cents) over (partition by weighted.facility_id) as facility_weight_cents
    from weighted
    left join facility_interest on weighted.facility_id = facility_interest.facility_id
    left join facility_versions
        on weighted.facility_id = facility_versions.facility_id and facility_versions.version_rank = 1
),

floored as (
    select
        shares.*,
        {{ lana_dw.integer_div(
            'cast(shares.facility_interest_cents as ' ~ lana_dw.wide_integer() ~ ') * shares.weight_cents',
            'shares.facility_weight_cents') }} as interest_floor_cents,
        {{ lana_dw.integer_div(
            'cast(shares.facility_collateral_sats as ' ~ lana_dw.wide_integer() ~ ') * shares.weight_cents',
            'shares.facility_weight_cents') }} as collateral_floor_sats
    from shares
),

remainders as (
    select
        floored.*,
        row_number() over (
            partition by floored.facility_id
            order by
                cast(floored.facility_interest_cents as {{ lana_dw.wide_integer() }}) * floored.weight_cents
                - floored.interest_floor_cents * floored.facility_weight_cents desc,
                floored.disbursal_id
        ) as interest_remainder_rank,
        row_number() over (
            partition by floored.facility_id
            order by
                cast(floored.facility_collateral_sats as {{ lana_dw.wide_integer() }}) * floored.weight_cents
                - floored.collateral_floor_sats * floored.facility_weight_cents desc,
                floored.disbursal_id
        ) as collateral_remainder_rank,
        floored.facility_interest_cents
        - sum(floored.interest_floor_cents) over (partition by floored.facility_id) as interest_left_cents,
        floored.facility_collateral_sats
        - sum(floored.collateral_floor_sats) over (partition by floored.facility_id) as collateral_left_sats
    from floored
),

allocated as (
    select
        remainders.*,
        remainders.interest_floor_cents
        + case when remainders.interest_remainder_rank <= remainders.interest_left_cents then 1 else 0 end
            as interest_outstanding_cents,
        remainders.collateral_floor_sats
        + case when remainders.collateral_remainder_rank <= remainders.collateral_left_sats then 1 else 0 end
            as collateral_sats
    from remainders
),

-- the latest daily price on or before the date
price as (
    select
        prices.price_date,
        prices.btc_price_usd,
        prices.price_source,
        row_number() over (order by prices.price_date desc) as price_rank
    from {{ ref('int_btc_price_daily') }} as prices
    cross join as_of
    where prices.price_date <= as_of.as_of_date
),

measured as (
    select
        allocated.disbursal_id,
        allocated.disbursal_public_id,
        allocated.facility_id,
        allocated.disbursal_date,
        allocated.amount_usd as principal_usd,
        {{ lana_dw.cents_to_usd('allocated.principal_outstanding_cents') }} as principal_outstanding_usd,
        {{ lana_dw.cents_to_usd('allocated.interest_outstanding_cents') }} as interest_outstanding_usd,
        allocated.principal_outstanding_cents + allocated.interest_outstanding_cents as outstanding_cents,
        allocated.principal_overdue_since,
        case
            when allocated.interest_outstanding_cents > 0 then allocated.facility_interest_overdue_since
        end as interest_overdue_since,
        {{ lana_dw.sats_to_btc('allocated.collateral_sats') }} as collateral_btc,
        price.btc_price_usd,
        price.price_date,
        price.price_source,
        allocated.as_of_date
    from allocated
    left join price on price.price_rank = 1
),

dated as (
    select
        measured.*,
        coalesce({{ dbt.datediff('measured.principal_overdue_since', 'measured.as_of_date', 'day') }}, 0)
            as principal_days_overdue,
        coalesce({{ dbt.datediff('measured.interest_overdue_since', 'measured.as_of_date', 'day') }}, 0)
            as interest_days_overdue,
        cast(round(measured.collateral_btc * measured.btc_price_usd, 2) as {{ lana_dw.type_usd() }})
            as collateral_usd
    from measured
),

classified as (
    select
        dated.*,
        case
            when dated.principal_days_overdue >= dated.interest_days_overdue then dated.principal_days_overdue
            else dated.interest_days_overdue
        end as days_past_due
    from dated
)

select
    classified.disbursal_id,
    classified.disbursal_public_id,
    classified.facility_id,
    facilities.public_id as facility_public_id,
    facilities.customer_id,
    customers.public_id as customer_public_id,
    classified.disbursal_date,
    facilities.maturity_date,
    facilities.annual_rate_pct,
    classified.principal_usd,
    classified.principal_outstanding_usd,
    classified.interest_outstanding_usd,
    classified.principal_overdue_since,
    classified.interest_overdue_since,
    classified.principal_days_overdue,
    classified.interest_days_overdue,
    classified.days_past_due,
    loan_states.loan_state,
    loan_states.code as loan_state_code,
    risk.category as risk_category,
    risk.reserve_pct,
    classified.collateral_btc,
    classified.btc_price_usd,
    classified.price_date,
    classified.price_source,
    classified.collateral_usd,
    cast(
        round(
            case
                when classified.outstanding_cents > 0
                    then classified.collateral_usd * 100
                        / (classified.principal_outstanding_usd + classified.interest_outstanding_usd)
            end,
            6
        ) as {{ lana_dw.type_rate() }}
    ) as cvl_pct,
    coalesce(facilities.maturity_date <= classified.as_of_date, false) as is_matured,
    classified.as_of_date
from classified
left join {{ ref('stg_facilities') }} as facilities
    on classified.facility_id = facilities.facility_id
left join {{ ref('stg_customers') }} as customers
    on facilities.customer_id = customers.customer_id
left join {{ ref('nrp_41_loan_states') }} as loan_states
    on
        (classified.outstanding_cents <= 0 and loan_states.is_paid_off)
        or (
            classified.outstanding_cents > 0
            and not loan_states.is_paid_off
            and (loan_states.min_days is null or classified.days_past_due >= loan_states.min_days)
            and (loan_states.max_days is null or classified.days_past_due <= loan_states.max_days)
        )
left join {{ ref('ncb_022_risk_categories') }} as risk
    on
        classified.days_past_due >= risk.min_days
        and (risk.max_days is null or classified.days_past_due <= risk.max_days)
