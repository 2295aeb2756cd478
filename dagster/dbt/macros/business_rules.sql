{#-
    Customer status: Lana's active / frozen / closed -> ACTIVE / SUSPENDED / INACTIVE.
    A NULL status means active: the `initialized` event carries no status, so a customer who
    was never frozen or closed has NULL in the rollup. Unknown values pass through upper-cased
    so the accepted_values test catches them instead of hiding them.
-#}
{% macro customer_status(column) -%}
    case
        when {{ column }} is null or lower({{ column }}) = 'active' then 'ACTIVE'
        when lower({{ column }}) = 'frozen' then 'SUSPENDED'
        when lower({{ column }}) = 'closed' then 'INACTIVE'
        else upper({{ column }})
    end
{%- endmacro %}

{# SQL condition that is true when `column` lies outside the bounds (used by accepted_range). #}
{% macro _range_violation(column, min_value, max_value, inclusive) -%}
    {%- set violations = [] -%}
    {%- if min_value is not none -%}
        {%- do violations.append(column ~ (' < ' if inclusive else ' <= ') ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do violations.append(column ~ (' > ' if inclusive else ' >= ') ~ max_value) -%}
    {%- endif -%}
    {{ return(violations | join(' or ') if violations else '1 = 0') }}
{%- endmacro %}

{#-
    The statement section of a chart code (dotted text such as '11.02.0202'), from its first
    character and var `chart_sections` (asset, liability, equity, revenue, cost_of_revenue,
    expenses); 'off_balance_sheet' for other top-level codes, NULL for a NULL code.
-#}
{% macro chart_section(code) -%}
    case
        when {{ code }} is null then null
        {%- for top_code, section in var('chart_sections').items() %}
        when substr({{ code }}, 1, 1) = '{{ top_code }}' then '{{ section }}'
        {%- endfor %}
        else 'off_balance_sheet'
    end
{%- endmacro %}

{#-
    A facility's collateral in sats: 0 once it is completed. Lana's completion gives all the
    collateral back (a REMOVE_COLLATERAL transaction in the ledger) and writes no new figure to
    the facility's rollup, whose `collateral` keeps the last one. `completed` is a condition.
-#}
{% macro completed_collateral(completed, collateral) -%}
    case when coalesce({{ completed }}, false) then 0 else {{ collateral }} end
{%- endmacro %}
