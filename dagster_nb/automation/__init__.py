"""dagster_nb.automation"""
