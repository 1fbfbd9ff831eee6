"""python -m dagster_nb.cli"""

from dagster_nb.cli import main

raise SystemExit(main())
