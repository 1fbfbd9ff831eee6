"""dagster_nb._notebook"""
