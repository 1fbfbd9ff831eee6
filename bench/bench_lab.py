"""The JupyterLab extension in real Chromium (Debian's) against a headless JupyterLab:

- lineage layout (ELK in Web Workers) and drawing of synthetic 1,000- and 5,000-asset graphs
  (targets: 1,000 under 1 s, 5,000 under 3 s), cold (new workers) and warm, and the longest
  the UI thread went without running a 5 ms timer during the layout;
- the Assets panel with 10,000 assets defined in a real kernel: kernel -> rows on screen,
  scrolling to the end, a search.

    python bench/bench_lab.py [--repeat 3]

Dagster's own UI is compared by screenshots (docs/side_by_side.py), not timed. Reports medians
and the load average. Needs the extension built (`pip install -e .`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def synthetic(n: int, seed: int = 7) -> dict:
    """A view model shaped like a real asset graph: ~12 layers, groups of ~50 assets, each asset
    reading 1-3 assets of the previous one or two layers."""
    rng = random.Random(seed)
    layers = 12
    per = -(-n // layers)
    groups = max(1, n // 250)
    nodes, edges = [], []
    for i in range(n):
        layer = i // per
        key = f"asset_{i}"
        status = rng.choice(["fresh", "fresh", "stale", "missing"])
        nodes.append(
            {
                "id": key,
                "key": key,
                "path": [key],
                "label": key,
                "prefix": "",
                "group": f"group_{i % groups}",
                "kinds": ["pandas"],
                "owners": [],
                "tags": {},
                "status": status,
                "stale_causes": ["code version changed"] if status == "stale" else [],
                "last_materialization": None,
                "partitioned": False,
                "partitions": None,
                "description": f"Asset {i}",
                "code_version": None,
                "is_materializable": True,
                "checks": None,
                "cell": None,
            }
        )
        if layer:
            for _ in range(rng.randint(1, 3)):
                pl = max(0, layer - 1 - rng.randint(0, 1))
                p = pl * per + rng.randrange(per)
                if p < i and (p % groups == i % groups or rng.random() < 0.2):
                    edges.append({"source": f"asset_{p}", "target": key})
    return {
        "schema": "dagster_nb.lineage/1",
        "nodes": nodes,
        "edges": edges,
        "groups": [],
        "counts": {},
        "total_assets": n,
    }


def start_lab(work: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = work / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(work / "settings"),
        DAGSTER_HOME=str(work / "home"),
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={work}",
            "--LabApp.news_url=None",
            f"--LabApp.extra_labextensions_path={ROOT / 'labextension' / 'dist'}",
            "--LabApp.expose_app_in_browser=True",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("JupyterLab did not start")


NOTEBOOK_10K = r"""
import os, tempfile, time
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="bench-lab-")
%load_ext dagster_nb
import dagster_nb as dg
t0 = time.perf_counter()
def make(i):
    deps = [f"a{i - 1}"] if i % 100 else []
    @dg.asset(name=f"a{i}", deps=deps, group_name=f"g{i // 1000}")
    def _a():
        return i
for i in range(10_000):
    make(i)
print("defined", round(time.perf_counter() - t0, 2))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-lab-"))
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "id": "c0",
                "source": NOTEBOOK_10K,
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (work / "big.ipynb").write_text(json.dumps(nb))
    proc, base = start_lab(work)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
            )
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.add_locator_handler(
                page.locator(".jp-Dialog").filter(has_text="Select Kernel"),
                lambda d: d.locator(".jp-Dialog-button.jp-mod-accept").click(),
            )
            page.request.get(f"{base}/api/kernelspecs?token={TOKEN}")
            page.goto(f"{base}/lab/tree/big.ipynb?token={TOKEN}&reset")
            page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=120_000)
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('dagster-nb:bench-layout')"
            )

            print(f"load average before: {os.getloadavg()}")
            print(
                "| lineage tab in Chromium, ms | assets | edges | ELK layout (workers) | "
                "longest UI-thread stall during it | layout + draw |"
            )
            print("|---|---|---|---|---|---|")
            call = "(a) => window.jupyterapp.commands.execute('dagster-nb:bench-layout', a)"
            for n in (1000, 5000):
                vm = synthetic(n)
                # cold: fresh workers (ELK loaded and compiled in them from nothing)
                cold = [page.evaluate(call, {"view_model": vm, "cold": True}) for _ in range(2)]
                warm = [page.evaluate(call, {"view_model": vm}) for _ in range(args.repeat)]
                for label, runs in (
                    (f"cold (new workers), median of {len(cold)}", cold),
                    (f"warm, median of {len(warm)}", warm),
                ):
                    med = {
                        k: statistics.median(r[k] for r in runs)
                        for k in ("layout_ms", "stall_ms", "show_ms")
                    }
                    print(
                        f"| {label} | {n} | {len(vm['edges'])} | {med['layout_ms']:.0f} | "
                        f"{med['stall_ms']:.0f} | {med['show_ms']:.0f} |"
                    )
            print(f"workers: {warm[0]['workers']}; load average after: {os.getloadavg()}")

            # look at it: a 1,000-asset graph left open (minimap, groups), fitted
            page.evaluate(
                "(vm) => window.jupyterapp.commands.execute('dagster-nb:bench-layout', {view_model: vm, keep: true})",
                synthetic(1000),
            )
            page.wait_for_timeout(500)
            page.locator(".dnbx-lineage").last.screenshot(path=str(work / "bench_lineage_1000.png"))
            page.locator(".dnbx-lineage button:text-is('+')").last.click()
            page.locator(".dnbx-lineage button:text-is('+')").last.click()
            page.locator(".dnbx-lineage button:text-is('+')").last.click()
            page.locator(".dnbx-lineage").last.screenshot(
                path=str(work / "bench_lineage_1000_zoomed.png")
            )
            print(f"screenshots in {work}")
            page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('big.ipynb')").click()

            # 10,000 assets in a real kernel, shown in the panel
            page.locator(".jp-SideBar.jp-mod-left li[data-id='dagster-nb-catalog']").click()
            page.locator(".jp-Notebook .jp-Cell").first.click()
            t0 = time.perf_counter()
            page.keyboard.press("Shift+Enter")
            page.wait_for_selector(
                "#dagster-nb-catalog .dnbx-count.dnbx-status-missing:text('10000 missing')",
                timeout=300_000,
            )
            t_rows = time.perf_counter() - t0
            out = page.locator(".jp-OutputArea-output").first.inner_text()
            dom_rows = page.locator("#dagster-nb-catalog .dnbx-row").count()
            lst = page.locator("#dagster-nb-catalog .dnbx-list")
            t1 = time.perf_counter()
            lst.evaluate("el => { el.scrollTop = el.scrollHeight; }")
            page.wait_for_function(
                "() => { const l = document.querySelector('#dagster-nb-catalog .dnbx-list');"
                " const rows = [...l.querySelectorAll('.dnbx-row')];"
                " return rows.some(r => parseFloat(r.style.top) + 48 >= l.scrollHeight - 1); }",
                timeout=60_000,
            )
            t_scroll = time.perf_counter() - t1
            search = page.locator("#dagster-nb-catalog .dnbx-search")
            t2 = time.perf_counter()
            search.fill("group:g3")
            search.press("Enter")
            page.wait_for_function(
                "() => document.querySelectorAll('#dagster-nb-catalog .dnbx-row').length > 0 && "
                "[...document.querySelectorAll('#dagster-nb-catalog .dnbx-row')].every(r => /^a3\\d\\d\\d$/.test(r.dataset.assetKey))",
                timeout=60_000,
            )
            t_search = time.perf_counter() - t2
            page.screenshot(path=str(work / "bench_10k.png"))
            print()
            print("| Assets panel, 10,000 assets in the kernel | s |")
            print("|---|---|")
            print(
                f"| Shift+Enter on the cell defining 10,000 assets ({out.strip()} s in the kernel) -> all 10,000 in the panel | {t_rows:.2f} |"
            )
            print(f"| rows in the DOM (virtualized) | {dom_rows} |")
            print(f"| scroll to the end -> last row drawn | {t_scroll:.3f} |")
            print(
                f"| search `group:g3` (evaluated in the kernel) -> filtered rows | {t_search:.3f} |"
            )
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
