"""dagster_nb._definitions"""
