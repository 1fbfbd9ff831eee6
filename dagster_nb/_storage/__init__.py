"""dagster_nb._storage"""
