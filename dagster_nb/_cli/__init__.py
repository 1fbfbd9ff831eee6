"""``dagster-nb``: run the same definitions headless, with Dagster's command names.

    dagster-nb asset list -f my_assets.py [--select 'group:sales'] [--json]
    dagster-nb asset materialize -f my_assets.py --select 'key:orders+' [--partition 2024-01-01 |
        --partition-range 2024-01-01...2024-01-31] [--stale] [-c run.yaml] [--tags '{"k": "v"}']
        [--executor in_process|multiprocess|dask]
    dagster-nb asset wipe KEY... | --all [--noprompt]
    dagster-nb job list|execute -j JOB -f my_assets.py [-c run.yaml] [--tags JSON]
    dagster-nb schedule list / sensor list -f my_assets.py
    dagster-nb run list|show RUN_ID|delete RUN_ID
    dagster-nb instance info|migrate
    dagster-nb export analysis.ipynb -o analysis_defs.py

Definitions come from ``-f FILE.py``, ``-m MODULE`` or ``-f NOTEBOOK.ipynb`` (its definition
cells and the helper code they need; see ``dagster_nb._cli.target``). The instance is
``$DAGSTER_HOME`` or ``./.dagster_nb``, as in the notebook. Every command takes ``--json``.
Exit status: 0 on success, 1 when a run failed, 2 for bad usage. The commands live in
``dagster_nb._cli.app`` (click; rich only on a terminal).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    import click

    from dagster_nb._cli.app import cli

    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="dagster-nb",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # UsageError: 2
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort (from the KeyboardInterrupt): the shell's 130 for it,
        # 1 for a prompt answered no
        if isinstance(exc.__cause__, KeyboardInterrupt):
            sys.stderr.write("Interrupted.\n")
            return 130
        sys.stderr.write("Aborted.\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
