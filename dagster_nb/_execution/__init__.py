"""dagster_nb._execution"""
