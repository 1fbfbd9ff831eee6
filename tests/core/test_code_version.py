"""Derived code versions: from the normalized source, cached per (file, line, file contents)."""

from __future__ import annotations

import importlib.util
import os
import sys

import dagster_nb as dg

MODULE = """import dagster_nb as dg


@dg.asset
def thing():
    # a comment
    return {body}
"""


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules[name]
    return mod.thing


def _version(ad):
    return ad.effective_code_version(ad.key)


def test_same_source_same_version_and_edit_in_place_changes_it(tmp_path):
    path = tmp_path / "assets_mod.py"
    path.write_text(MODULE.format(body="1"))
    v1 = _version(_load(path, "assets_mod_a"))
    assert _version(_load(path, "assets_mod_b")) == v1  # re-imported, unchanged: same version

    # Comments and whitespace do not count, even when the file changes.
    path.write_text(MODULE.format(body="1").replace("# a comment", "# another   comment"))
    os.utime(path, (1, 1))  # a different mtime, whatever the clock's resolution
    assert _version(_load(path, "assets_mod_c")) == v1

    # The same function at the same line with another body: a new version, not the cached one.
    path.write_text(MODULE.format(body="2"))
    os.utime(path, (2, 2))
    v2 = _version(_load(path, "assets_mod_d"))
    assert v2 != v1


def test_functions_without_source_get_a_bytecode_version():
    ns: dict = {}
    exec("def f():\n    return 41\n", ns)
    exec("def g():\n    return 42\n", ns)
    a = dg.asset(name="f")(ns["f"])
    b = dg.asset(name="g")(ns["g"])
    assert _version(a) != _version(b)
    assert _version(a) == _version(dg.asset(name="f")(ns["f"]))
