"""dagster_nb.definitions"""
