{#-
    Exact money conversions. Lana stores USD as integer cents and BTC as integer satoshis.
    The result is an exact decimal: numeric(38,2) for USD, numeric(38,8) for BTC (NUMERIC on
    BigQuery). Never a float: in DuckDB DECIMAL / INTEGER returns DOUBLE, so DuckDB multiplies
    by an exact decimal literal instead of dividing.
-#}

{% macro cents_to_usd(column) -%}
    {{ lana_dw.minor_to_major(column, var('cents_per_usd')) }}
{%- endmacro %}

{% macro sats_to_btc(column) -%}
    {{ lana_dw.minor_to_major(column, var('sats_per_bitcoin')) }}
{%- endmacro %}

{# Number of decimals of a power of ten: 100 -> 2, 100000000 -> 8. #}
{% macro _power_of_ten_scale(units_per_major) -%}
    {%- set units = units_per_major | string | trim -%}
    {%- if not (units.startswith('1') and units[1:] == '0' * (units | length - 1)) -%}
        {{ exceptions.raise_compiler_error("money units must be a power of ten, got " ~ units) }}
    {%- endif -%}
    {{ return(units | length - 1) }}
{%- endmacro %}

{% macro minor_to_major(column, units_per_major) -%}
    {%- set scale = lana_dw._power_of_ten_scale(units_per_major) -%}
    {{ adapter.dispatch('minor_to_major', 'lana_dw')(column, units_per_major, scale) }}
{%- endmacro %}

{% macro default__minor_to_major(column, units_per_major, scale) -%}
    cast(cast({{ column }} as numeric(38, 0)) / {{ units_per_major }} as numeric(38, {{ scale }}))
{%- endmacro %}

{% macro duckdb__minor_to_major(column, units_per_major, scale) -%}
    {%- set factor = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    (cast({{ column }} as decimal(38, 0)) * cast({{ factor }} as decimal({{ scale + 1 }}, {{ scale }})))
{%- endmacro %}

{% macro bigquery__minor_to_major(column, units_per_major, scale) -%}
    {#- NUMERIC has 9 decimals: exact for cents and satoshis. -#}
    cast(cast({{ column }} as numeric) / {{ units_per_major }} as numeric)
{%- endmacro %}

{#-
    Exact integer arithmetic on minor units (cents, sats) whose products exceed BIGINT:
    `wide_integer()` is a type for them (HUGEINT on DuckDB, NUMERIC(38,0) / NUMERIC elsewhere)
    and `integer_div(a, b)` the floor of a / b for non-negative a and positive b, exact (no
    float: DuckDB's `/` on decimals returns DOUBLE).
-#}
{% macro wide_integer() -%}
    {{ return(adapter.dispatch('wide_integer', 'lana_dw')()) }}
{%- endmacro %}

{% macro default__wide_integer() -%}
    {{ return('numeric(38, 0)') }}
{%- endmacro %}

{% macro duckdb__wide_integer() -%}
    {{ return('hugeint') }}
{%- endmacro %}

{% macro bigquery__wide_integer() -%}
    {{ return('numeric') }}
{%- endmacro %}

{% macro integer_div(numerator, denominator) -%}
    {{ adapter.dispatch('integer_div', 'lana_dw')(numerator, denominator) }}
{%- endmacro %}

{% macro default__integer_div(numerator, denominator) -%}
    div(cast({{ numerator }} as numeric(38, 0)), cast({{ denominator }} as numeric(38, 0)))
{%- endmacro %}

{% macro duckdb__integer_div(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint))
{%- endmacro %}

{% macro bigquery__integer_div(numerator, denominator) -%}
    div(cast({{ numerator }} as numeric), cast({{ denominator }} as numeric))
{%- endmacro %}
