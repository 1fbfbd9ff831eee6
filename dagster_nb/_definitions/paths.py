"""Small path helpers Dagster exports for user code."""

from __future__ import annotations

import os

__all__ = ["file_relative_path"]


def file_relative_path(dunderfile: str, relative_path: str) -> str:
    """The path of ``relative_path`` taken from the folder of the file ``dunderfile``
    (pass ``__file__``), so data files next to a module are found from any working directory.

    >>> file_relative_path("/repo/pipelines/assets.py", "data/input.csv")
    '/repo/pipelines/data/input.csv'
    """
    return os.path.join(os.path.dirname(dunderfile), relative_path)
