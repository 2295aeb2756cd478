{#-
    JSON access that works on every warehouse. `path` is a dotted key path such as
    'terms.duration.value' or 'initial_cvl.Finite', array elements as 'code.sections[0].code'. A missing key or a path through a
    scalar (e.g. "Infinite") gives NULL.
      duckdb:   JSON column      -> json_extract_string(col, '$.a.b')
      postgres: jsonb (or json)  -> cast(col as jsonb) #>> '{a,b}'
      bigquery: JSON or STRING   -> json_value(col, '$.a.b')
-#}

{% macro json_text(column, path) -%}
    {{ adapter.dispatch('json_text', 'lana_dw')(column, path) }}
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{#- 'a.b[0].c' -> '{a,b,0,c}' (an array index is one more key for #>>). -#}
{% macro postgres__json_text(column, path) -%}
    (cast({{ column }} as jsonb) #>> '{ {{- path.replace('[', '.').replace(']', '').split('.') | join(',') -}} }')
{%- endmacro %}

{% macro bigquery__json_text(column, path) -%}
    json_value({{ column }}, '$.{{ path }}')
{%- endmacro %}

{#-
    A JSON number (or numeric string) as an exact value of a lana_type: 'bigint' for
    integer amounts (cents, sats), 'rate' (6 decimals) for rates and ratios.
-#}
{% macro json_number(column, path, type_name='rate') -%}
    cast({{ lana_dw.json_text(column, path) }} as {{ lana_dw.lana_type(type_name) }})
{%- endmacro %}

{# A JSON string holding a UUID, typed like the other ids. #}
{% macro json_id(column, path) -%}
    cast({{ lana_dw.json_text(column, path) }} as {{ lana_dw.type_id() }})
{%- endmacro %}
