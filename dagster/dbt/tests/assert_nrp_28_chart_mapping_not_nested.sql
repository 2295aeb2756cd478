-- A chart node mapped to an NRP-28 category must not lie under another mapped node: its
-- balance is already in the ancestor's and would count twice.
select
    inner_node.chart_code,
    outer_node.chart_code as mapped_ancestor
from {{ ref('nrp_28_deposit_chart_mapping') }} as inner_node
inner join {{ ref('nrp_28_deposit_chart_mapping') }} as outer_node
    on inner_node.chart_code like outer_node.chart_code || '.%'
