{#-
    Formatting of regulator report columns. Every report column is a string exactly as the
    regulator's layout wants it; NULL stays NULL (the file writer decides how to write it: an
    xsi:nil element, an empty CSV field). Escaping (&, <, >, ") is the XML writer's job, never
    the model's: text passes through unchanged.

      format_decimal(expr, 2)          12345.6   -> '12345.60'  (rounded half away from zero)
      format_integer(expr)             42        -> '42'
      format_date(expr, 'YYYY-MM-DD')  a DATE    -> '2025-03-31'   (NRP files)
      format_date(expr, 'YYYYMMDD')    a DATE    -> '20250331'     (NRSF-03 files)
      format_timestamp(expr, fmt)      a timestamptz, in UTC; fmt 'YYYY-MM-DD HH:MI:SS' or 'HH:MI:SS'
      report_text(expr)                text, trimmed, '' -> NULL
-#}

{#- exact: the value is rounded in decimal arithmetic and printed with exactly `places` digits -#}
{% macro format_decimal(expr, places=2) -%}
    {{ adapter.dispatch('format_decimal', 'lana_dw')(expr, places) }}
{%- endmacro %}

{% macro default__format_decimal(expr, places) -%}
    cast(cast(round(cast({{ expr }} as numeric(38, {{ places }})), {{ places }}) as numeric(38, {{ places }})) as {{ lana_dw.type_string() }})
{%- endmacro %}

{% macro duckdb__format_decimal(expr, places) -%}
    cast(cast({{ expr }} as decimal(38, {{ places }})) as varchar)
{%- endmacro %}

{#- BigQuery: NUMERIC -> STRING drops trailing zeros; FORMAT('%.nf') on NUMERIC is exact -#}
{% macro bigquery__format_decimal(expr, places) -%}
    format('%.{{ places }}f', round(cast({{ expr }} as bignumeric), {{ places }}))
{%- endmacro %}

{% macro format_integer(expr) -%}
    cast(cast({{ expr }} as {{ lana_dw.type_bigint() }}) as {{ lana_dw.type_string() }})
{%- endmacro %}

{% macro _report_date_format(fmt, flavour) -%}
    {%- set formats = {
        'YYYY-MM-DD': {'strftime': '%Y-%m-%d', 'to_char': 'YYYY-MM-DD'},
        'YYYYMMDD': {'strftime': '%Y%m%d', 'to_char': 'YYYYMMDD'},
        'YYYY-MM-DD HH:MI:SS': {'strftime': '%Y-%m-%d %H:%M:%S', 'to_char': 'YYYY-MM-DD HH24:MI:SS'},
        'HH:MI:SS': {'strftime': '%H:%M:%S', 'to_char': 'HH24:MI:SS'},
    } -%}
    {%- if fmt not in formats -%}
        {{ exceptions.raise_compiler_error("report format: unknown date format " ~ fmt ~ ", expected one of " ~ (formats | list)) }}
    {%- endif -%}
    {{ return(formats[fmt][flavour]) }}
{%- endmacro %}

{% macro format_date(expr, fmt='YYYY-MM-DD') -%}
    {{ adapter.dispatch('format_date', 'lana_dw')(expr, lana_dw._report_date_format(fmt, 'strftime'), lana_dw._report_date_format(fmt, 'to_char')) }}
{%- endmacro %}

{% macro duckdb__format_date(expr, strftime_fmt, to_char_fmt) -%}
    strftime(cast({{ expr }} as date), '{{ strftime_fmt }}')
{%- endmacro %}

{% macro postgres__format_date(expr, strftime_fmt, to_char_fmt) -%}
    to_char(cast({{ expr }} as date), '{{ to_char_fmt }}')
{%- endmacro %}

{% macro bigquery__format_date(expr, strftime_fmt, to_char_fmt) -%}
    format_date('{{ strftime_fmt }}', cast({{ expr }} as date))
{%- endmacro %}

{#- a timestamptz printed in UTC, whatever the session time zone -#}
{% macro format_timestamp(expr, fmt='YYYY-MM-DD HH:MI:SS') -%}
    {{ adapter.dispatch('format_timestamp', 'lana_dw')(expr, lana_dw._report_date_format(fmt, 'strftime'), lana_dw._report_date_format(fmt, 'to_char')) }}
{%- endmacro %}

{% macro duckdb__format_timestamp(expr, strftime_fmt, to_char_fmt) -%}
    strftime(timezone('UTC', {{ expr }}), '{{ strftime_fmt }}')
{%- endmacro %}

{% macro postgres__format_timestamp(expr, strftime_fmt, to_char_fmt) -%}
    to_char(({{ expr }} at time zone 'UTC'), '{{ to_char_fmt }}')
{%- endmacro %}

{% macro bigquery__format_timestamp(expr, strftime_fmt, to_char_fmt) -%}
    format_timestamp('{{ strftime_fmt }}', {{ expr }}, 'UTC')
{%- endmacro %}

{#- free text for a report: trimmed, an empty string is NULL; never truncated or mangled -#}
{% macro report_text(expr) -%}
    nullif(trim(cast({{ expr }} as {{ lana_dw.type_string() }})), '')
{%- endmacro %}

{#- the first blank-separated word of a text, NULL when there is none -#}
{% macro split_first_word(expr) -%}
    nullif({{ dbt.split_part(expr, "' '", 1) }}, '')
{%- endmacro %}

{#- everything after the first blank of a text (trimmed), NULL when there is nothing -#}
{% macro split_rest_words(expr) -%}
    nullif(trim(substr({{ expr }}, length({{ dbt.split_part(expr, "' '", 1) }}) + 2)), '')
{%- endmacro %}

{#- a value as a JSON string literal ("..." with JSON escapes), NULL as null -#}
{% macro json_string(expr) -%}
    coalesce({{ adapter.dispatch('json_string', 'lana_dw')(expr) }}, 'null')
{%- endmacro %}

{% macro duckdb__json_string(expr) -%}
    cast(to_json(cast({{ expr }} as varchar)) as varchar)
{%- endmacro %}

{% macro postgres__json_string(expr) -%}
    cast(to_json(cast({{ expr }} as text)) as text)
{%- endmacro %}

{% macro bigquery__json_string(expr) -%}
    to_json_string(cast({{ expr }} as string))
{%- endmacro %}

{#-
    A compact JSON object as text, keys in the given order, the same bytes on every warehouse:
    json_object_text([('direccionAgencia', 'addr.full_address'), ...]) -> {"direccionAgencia":"..."}
-#}
{% macro json_object_text(pairs) -%}
    {%- set parts = [] -%}
    {%- for key, expr in pairs -%}
        {%- do parts.append("'" ~ ('' if loop.first else ',') ~ '"' ~ key ~ '":' ~ "' || " ~ lana_dw.json_string(expr)) -%}
    {%- endfor -%}
    ('{' || {{ parts | join(' || ') }} || '}')
{%- endmacro %}
