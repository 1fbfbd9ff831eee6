"""dagster_nb.execution"""
