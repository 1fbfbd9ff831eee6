"""``DbtProject``: where a dbt project, its profiles and its manifest live; ``prepare_if_dev()``
re-parses it when its files changed (always checked in a notebook kernel or under
``dagster dev``)."""

from __future__ import annotations

import os
import sys
from dataclasses import field
from pathlib import Path
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb.dbt.errors import (
    DagsterDbtCliRuntimeError,
    DagsterDbtManifestNotFoundError,
    DagsterDbtProfilesDirectoryNotFoundError,
    DagsterDbtProjectNotFoundError,
    DagsterDbtProjectYmlFileNotFoundError,
)

# Folders dbt writes or installs into: their changes never make the manifest stale.
_GENERATED = frozenset({"target", "logs", "dbt_packages", "dbt_modules", ".venv", "__pycache__"})
_SOURCE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv", ".py", ".md"})


def _in_dev() -> bool:
    if os.getenv("DAGSTER_IS_DEV_CLI"):
        return True
    ip = sys.modules.get("IPython")
    return bool(ip is not None and getattr(ip, "get_ipython", lambda: None)() is not None)


def _read_project_yml(path: Path) -> dict[str, Any]:
    # dbt_project.yml is YAML; pyyaml comes with dbt and with Jupyter, but keep a tiny fallback
    # for `name:` so loading assets never needs it.
    try:
        import yaml

        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f) or {}
    except ImportError:
        out: dict[str, Any] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if ":" in line and not line.startswith((" ", "#")):
                k, _, v = line.partition(":")
                out[k.strip()] = v.strip().strip("'\"")
        return out


@dataclass(frozen=True, slots=True)
class DbtProject:
    """A dbt project on disk (dagster_dbt's ``DbtProject``).

    >>> from dagster_nb.dbt import DbtProject
    >>> project = DbtProject("examples/dbt_project")       # doctest: +SKIP
    >>> project.manifest_path.name                            # doctest: +SKIP
    'manifest.json'
    """

    project_dir: Path
    target_path: Path = Path("target")
    profiles_dir: Path = Path()  # the project_dir when not given
    profile: str | None = None
    target: str | None = None
    packaged_project_dir: Path | None = None
    state_path: Path | None = None
    prepare_project_cli_args: tuple[str, ...] = ("parse", "--quiet")
    name: str = field(default="", init=False)
    manifest_path: Path = field(default=Path(), init=False)
    has_uninstalled_deps: bool = field(default=False, init=False)

    def __init__(
        self,
        project_dir: Any,
        *,
        target_path: Any = Path("target"),
        profiles_dir: Any = None,
        profile: str | None = None,
        target: str | None = None,
        packaged_project_dir: Any = None,
        state_path: Any = None,
        prepare_project_cli_args: Any = None,
    ) -> None:
        s = object.__setattr__
        pdir = Path(project_dir)
        if not pdir.exists():
            raise DagsterDbtProjectNotFoundError(f"project_dir {pdir} does not exist.")
        packaged = Path(packaged_project_dir) if packaged_project_dir else None
        if not _in_dev() and packaged is not None and packaged.exists():
            pdir = packaged
        prof = Path(profiles_dir) if profiles_dir else pdir
        if not prof.exists():
            raise DagsterDbtProfilesDirectoryNotFoundError(f"profiles {prof} does not exist.")
        yml = pdir / "dbt_project.yml"
        if not yml.exists():
            raise DagsterDbtProjectYmlFileNotFoundError(
                f"Did not find dbt_project.yml at expected path {yml}. Ensure the specified "
                "project directory respects all dbt project requirements."
            )
        conf = _read_project_yml(yml)
        tpath = Path(target_path)
        install = pdir / str(conf.get("packages-install-path", "dbt_packages"))
        deps = (pdir / "dependencies.yml").exists() or (pdir / "packages.yml").exists()
        spath = Path(state_path) if state_path else None
        if spath is not None and not spath.is_absolute():
            spath = pdir / spath
        s(self, "project_dir", pdir)
        s(self, "target_path", tpath)
        s(self, "profiles_dir", prof)
        s(self, "profile", profile)
        s(self, "target", target)
        s(self, "packaged_project_dir", packaged)
        s(self, "state_path", spath)
        s(self, "prepare_project_cli_args", tuple(prepare_project_cli_args or ("parse", "--quiet")))
        s(self, "name", str(conf.get("name", pdir.name)))
        s(self, "manifest_path", pdir / tpath / "manifest.json")
        s(self, "has_uninstalled_deps", bool(deps and not install.exists()))

    def changed_since_parse(self) -> list[Path]:
        """Project files newer than the manifest (all of them when there is no manifest)."""
        try:
            parsed = self.manifest_path.stat().st_mtime
        except FileNotFoundError:
            parsed = -1.0
        out = []
        for root, dirs, files in os.walk(self.project_dir):
            dirs[:] = [d for d in dirs if d not in _GENERATED and not d.startswith(".")]
            for f in files:
                p = Path(root, f)
                if p.suffix in _SOURCE_SUFFIXES and p.stat().st_mtime > parsed:
                    out.append(p)
        return out

    def prepare_if_dev(self) -> None:
        """In development (a notebook kernel, ``dagster dev``) run ``dbt parse`` when the
        manifest is missing or older than a project file; elsewhere only check it exists."""
        if _in_dev():
            if self.changed_since_parse():
                self.prepare()
        elif not self.manifest_path.exists():
            raise DagsterDbtManifestNotFoundError(
                f"{self.manifest_path} does not exist. Run `dbt parse` in {self.project_dir} "
                "(or call DbtProject.prepare()) before loading the assets."
            )

    def prepare(self) -> None:
        """``dbt deps`` when packages are missing, then ``dbt parse`` (writes the manifest)."""
        from dagster_nb.dbt.resource import DbtCliResource

        dbt = DbtCliResource(project_dir=self)
        if self.has_uninstalled_deps:
            dbt.cli(["deps", "--quiet"], target_path=self.target_path).wait()
        inv = dbt.cli(
            list(self.prepare_project_cli_args), target_path=self.target_path, raise_on_error=False
        )
        inv.wait()
        if inv.process.returncode != 0:
            raise DagsterDbtCliRuntimeError(
                f"`dbt {' '.join(self.prepare_project_cli_args)}` failed for {self.project_dir}"
                f" (profiles: {self.profiles_dir / 'profiles.yml'}). Fix the file dbt names "
                "and run it again. dbt said:\n\n"
                + "\n".join(
                    __import__("dagster_nb.dbt.resource", fromlist=["error_lines"]).error_lines(
                        inv.raw_events
                    )
                    or ["(no error line)"]
                )
            )
        if not self.manifest_path.exists():
            raise DagsterDbtManifestNotFoundError(
                f"dbt parse ran but wrote no manifest at {self.manifest_path}."
            )
