"""``FilesystemIOManager``: the configurable (pydantic) face of the default filesystem IO manager.

    dg.Definitions(assets=[...], resources={"io_manager": dg.FilesystemIOManager(base_dir="data")})

The files are written by :class:`~dagster_nb._storage.fs_io_manager.PickledObjectFilesystemIOManager`;
this module only adds the pydantic model, loaded when a user names it.
"""

from __future__ import annotations

from pydantic import Field

from dagster_nb._definitions.configurable import ConfigurableIOManagerFactory
from dagster_nb._definitions.resources import InitResourceContext
from dagster_nb._storage.fs_io_manager import (
    PickledObjectFilesystemIOManager,
    open_filesystem_io_manager,
)

__all__ = ["FilesystemIOManager"]


class FilesystemIOManager(ConfigurableIOManagerFactory):
    """The default IO manager: pickles values under ``base_dir``, or the instance's storage
    directory when ``base_dir`` is None.

        dg.Definitions(assets=[orders], resources={"io_manager": dg.FilesystemIOManager()})
    """

    base_dir: str | None = Field(default=None, description="Base directory for storing files.")
    durable: bool = Field(
        default=False,
        description="fsync every value and its folder (survives power loss; slower).",
    )

    def create_io_manager(self, context: InitResourceContext) -> PickledObjectFilesystemIOManager:
        return open_filesystem_io_manager(context, self.base_dir, self.durable)
