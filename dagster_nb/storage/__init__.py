"""dagster_nb.storage"""
