"""dagster_nb.widgets"""
