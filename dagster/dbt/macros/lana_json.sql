{#- Lana JSON shapes unpacked the same way by every model that has them. -#}

{#-
    The terms of a facility, proposal or pending facility as columns: rates in percent,
    duration, intervals, CVLs ({"Finite": n} -> n, "Infinite" -> NULL), overdue and
    liquidation delays in days.
-#}
{% macro facility_terms_columns(terms) -%}
    {{ lana_dw.json_number(terms, 'annual_rate') }} as annual_rate_pct,
    {{ lana_dw.json_number(terms, 'one_time_fee_rate') }} as one_time_fee_rate_pct,
    {{ lana_dw.json_number(terms, 'duration.value', 'bigint') }} as duration_months,
    {{ lana_dw.json_text(terms, 'accrual_interval.type') }} as accrual_interval,
    {{ lana_dw.json_text(terms, 'accrual_cycle_interval.type') }} as accrual_cycle_interval,
    {{ lana_dw.json_number(terms, 'initial_cvl.Finite') }} as initial_cvl_pct,
    {{ lana_dw.json_number(terms, 'margin_call_cvl.Finite') }} as margin_call_cvl_pct,
    {{ lana_dw.json_number(terms, 'liquidation_cvl.Finite') }} as liquidation_cvl_pct,
    {{ lana_dw.json_number(terms, 'obligation_overdue_duration_from_due.value', 'bigint') }} as overdue_after_days,
    {{ lana_dw.json_number(terms, 'obligation_liquidation_duration_from_due.value', 'bigint') }}
        as liquidation_after_days,
    {{ lana_dw.json_text(terms, 'disbursal_policy') }} as disbursal_policy
{%- endmacro %}

{#-
    A chart code ({"sections": [{"code": "11"}, {"code": "01"}, ...]} under `key` of a chart
    node spec) as dotted text '11.01...', NULL when absent. Lana's codes have at most
    `max_sections` sections; `||` with NULL is NULL on every warehouse, so missing sections
    drop out.
-#}
{% macro chart_code(spec, key, max_sections=4) -%}
    {%- set parts = [lana_dw.json_text(spec, key ~ '.sections[0].code')] -%}
    {%- for i in range(1, max_sections) -%}
        {%- do parts.append("coalesce('.' || " ~ lana_dw.json_text(spec, key ~ '.sections[' ~ i ~ '].code') ~ ", '')") -%}
    {%- endfor -%}
    ({{ parts | join(' || ') }})
{%- endmacro %}

{#-
    The balances of a Cala balance JSON (balance history, cumulative effective balances):
    debit and credit totals per layer in major units of the row's currency, exact.
-#}
{% macro cala_balance_columns(values) -%}
    {%- set columns = [] -%}
    {%- for layer in ['settled', 'pending', 'encumbrance'] -%}
        {%- for side in ['dr', 'cr'] -%}
            {%- do columns.append(
                'cast(' ~ lana_dw.json_text(values, layer ~ '.' ~ side ~ '_balance') ~ ' as '
                ~ lana_dw.type_btc() ~ ') as ' ~ layer ~ '_' ~ side ~ '_balance'
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ columns | join(',\n    ') }}
{%- endmacro %}
