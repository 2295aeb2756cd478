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
