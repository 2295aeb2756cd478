{#- Fails for non-null values outside [min_value, max_value] (bounds optional, inclusive by default). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

    select {{ column_name }} as out_of_range_value
    from {{ model }}
    where
        {{ column_name }} is not null
        and ({{ lana_dw._range_violation(column_name, min_value, max_value, inclusive) }})

{% endtest %}
