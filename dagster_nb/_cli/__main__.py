"""python -m dagster_nb._cli"""

from dagster_nb._cli import main

raise SystemExit(main())
