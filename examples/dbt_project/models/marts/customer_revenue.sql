{{ config(tags=["finance"], meta={"dagster": {"owners": ["team:finance"]}}) }}
select
    c.customer_id,
    c.name,
    coalesce(sum(o.amount), 0) as revenue,
    count(o.order_id) as order_count
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o using (customer_id)
group by 1, 2
