{#- Fails for every row where the SQL boolean `expression` is not true (false or NULL). -#}
{% test expression_is_true(model, expression, column_name=none) %}

select 1 as failing_row
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
