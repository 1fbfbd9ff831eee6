from __future__ import annotations

import pytest

from dagster_nb._instance import DagsterInstance


@pytest.fixture(params=["memory", "sqlite"])
def instance(request, tmp_path):
    if request.param == "memory":
        inst = DagsterInstance.ephemeral()
    else:
        inst = DagsterInstance.from_directory(tmp_path / "home")
    yield inst
    inst.dispose()
