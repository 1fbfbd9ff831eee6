"""dagster_nb.cli"""
