"""Access control as code: `roles.yml` made true in PostgreSQL, planned for BigQuery.

Standalone: imports neither Dagster nor any other lana-dw package.
"""
