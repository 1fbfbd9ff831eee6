"""Export a notebook's definitions to plain Python for real Dagster, and convert definitions
to ``dagster.Definitions`` in the same process.

    from dagster_nb._export import export_notebook
    print(export_notebook("notebooks/01_quickstart.ipynb"))
"""

from dagster_nb._export.exporter import (
    DAGSTER_NB_ONLY_NAMES,
    Export,
    NotebookExportError,
    build_export,
    export_cells,
    export_notebook,
    read_notebook_cells,
    write_export,
)

__all__ = [
    "DAGSTER_NB_ONLY_NAMES",
    "Export",
    "NotebookExportError",
    "build_export",
    "export_cells",
    "export_notebook",
    "read_notebook_cells",
    "write_export",
]
