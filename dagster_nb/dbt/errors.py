"""dagster_dbt's exception classes (same names), all subclasses of ``Failure``."""

from __future__ import annotations

from dagster_nb._definitions.results import Failure


class DagsterDbtError(Failure):
    """Base of the dbt integration's errors."""


class DagsterDbtCliRuntimeError(DagsterDbtError):
    """A dbt command failed; the message carries dbt's own error lines."""


class DagsterDbtProjectNotFoundError(DagsterDbtError):
    """The dbt project directory (with dbt_project.yml) does not exist."""


class DagsterDbtProfilesDirectoryNotFoundError(DagsterDbtError):
    """The profiles directory given does not exist."""


class DagsterDbtManifestNotFoundError(DagsterDbtError):
    """manifest.json is missing or unreadable."""


class DagsterDbtProjectYmlFileNotFoundError(DagsterDbtError):
    """dbt_project.yml is missing in the project directory."""
