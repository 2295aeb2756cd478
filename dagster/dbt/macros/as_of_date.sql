{#-
    The run date of "as of" models, a DATE: var `as_of_date` ('YYYY-MM-DD') when given
    (`--vars '{as_of_date: 2025-03-31}'`), else the ledger's last effective date (the latest
    `effective` of Cala's cumulative effective balances), else (empty ledger) the warehouse's
    current date.

    Why not current_date by default: the warehouse holds the bank as of its last load. A
    simulated bank (or a restored backup) whose ledger ends before today would otherwise show
    every unpaid obligation as months past due and every loan defaulted. In production, where
    the ledger posts every day, the two agree (or the ledger date is the last day with entries,
    which is the last day the data describes).
-#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        coalesce(
            (select max(effective_date) from {{ ref('stg_lana__cala_cumulative_effective_balances') }}),
            current_date
        )
    {%- endif -%}
{%- endmacro %}
