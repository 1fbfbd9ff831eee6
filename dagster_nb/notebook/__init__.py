"""dagster_nb.notebook"""
