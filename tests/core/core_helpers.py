"""Helpers shared by the core tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations


def event_types(result, keep=None):
    types = [e.event_type_value for e in result.all_events]
    if keep is not None:
        types = [t for t in types if t in keep]
    return types
