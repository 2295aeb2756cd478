-- UIF-07 daily log of other electronic means: every confirmed deposit and withdrawal of at least
-- var `uif_07_threshold_usd` (USD 25,000) confirmed up to var `as_of_date`, with the time it was
-- confirmed (deposits are confirmed when recorded; withdrawals at their `confirmed` event).
-- Reverted deposits and withdrawals (latest status not Confirmed) are left out. A withdrawal
-- leaves the customer's account (originating side, PO); a deposit arrives in it (beneficiary
-- side, PB). The service station is the bank's address (seed uif_bank_address) as JSON.
with

threshold as (
    select cast('{{ var("uif_07_threshold_usd") }}' as {{ lana_dw.type_usd() }}) as min_amount_usd
),

accounts as (
    select
        deposit_account_id,
        public_id as account_public_id
    from {{ ref('stg_lana__deposit_accounts') }}
),

movements as (
    select
        'DEPOSIT' as movement_type,
        public_id,
        deposit_account_id,
        reference,
        amount_usd,
        created_at as confirmed_at
    from {{ ref('stg_lana__deposits') }}
    where status = 'Confirmed'

    union all

    select
        'WITHDRAWAL' as movement_type,
        public_id,
        deposit_account_id,
        reference,
        amount_usd,
        confirmed_at
    from {{ ref('stg_lana__withdrawals') }}
    where status = 'Confirmed'
),

reported as (
    select
        movements.*,
        accounts.account_public_id
    from movements
    cross join threshold
    left join accounts
        on movements.deposit_account_id = accounts.deposit_account_id
    where
        movements.amount_usd >= threshold.min_amount_usd
        and {{ lana_dw.utc_date('movements.confirmed_at') }} <= {{ lana_dw.as_of_date() }}
),

bank as (
    select
        {{ lana_dw.json_object_text([
            ('direccionAgencia', 'full_address'),
            ('idDepartamento', 'department_code'),
            ('idMunicipio', 'municipality_code'),
        ]) }} as estacionservicio
    from {{ ref('uif_bank_address') }}
)

select
    cast(reported.public_id as {{ lana_dw.type_string() }}) as numeroregistrobancario,
    bank.estacionservicio,
    {{ lana_dw.format_timestamp('reported.confirmed_at', 'YYYY-MM-DD HH:MI:SS') }} as fechatransaccion,
    cast(null as {{ lana_dw.type_string() }}) as tipopersonaa,
    cast(null as {{ lana_dw.type_string() }}) as detallespersonaa,
    cast(null as {{ lana_dw.type_string() }}) as tipopersonab,
    cast(null as {{ lana_dw.type_string() }}) as detallespersonab,
    case when reported.movement_type = 'WITHDRAWAL' then reported.account_public_id end as numerocuentapo,
    case when reported.movement_type = 'WITHDRAWAL' then 'Cuenta Corriente' end as clasecuentapo,
    {{ lana_dw.report_text('reported.reference') }} as conceptotransaccionpo,
    {{ lana_dw.format_decimal('reported.amount_usd', 2) }} as valorotrosmedioselectronicospo,
    case when reported.movement_type = 'DEPOSIT' then reported.account_public_id end as numeroproductopb,
    case when reported.movement_type = 'DEPOSIT' then 'Cuenta Corriente' end as clasecuentapb,
    {{ lana_dw.format_decimal('reported.amount_usd', 2) }} as montotransaccionpb,
    {{ lana_dw.format_decimal('reported.amount_usd', 2) }} as valormedioelectronicopb,
    cast(null as {{ lana_dw.type_string() }}) as bancocuentadestinatariapb
from reported
cross join bank
