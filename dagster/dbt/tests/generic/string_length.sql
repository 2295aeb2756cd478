{#-
    Fails for every non-null value whose length in characters is outside the bounds: `max`
    (an XSD maxLength), `min` (minLength) or `exact` (length). Report columns are never
    truncated silently: a value too long for the regulator's layout fails the build here.
-#}
{% test string_length(model, column_name, max=none, min=none, exact=none) %}

    {%- set length_expr = dbt.length(column_name) -%}
    {%- set violations = [] -%}
    {%- if max is not none -%}{%- do violations.append(length_expr ~ ' > ' ~ max) -%}{%- endif -%}
    {%- if min is not none -%}{%- do violations.append(length_expr ~ ' < ' ~ min) -%}{%- endif -%}
    {%- if exact is not none -%}{%- do violations.append(length_expr ~ ' <> ' ~ exact) -%}{%- endif -%}
    {%- if not violations -%}
        {{ exceptions.raise_compiler_error("string_length needs max, min or exact") }}
    {%- endif -%}

    select {{ column_name }} as bad_value
    from {{ model }}
    where {{ column_name }} is not null and ({{ violations | join(' or ') }})

{% endtest %}
