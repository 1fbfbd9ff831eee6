"""Screenshots for docs/img/: dagster_nb's Lineage tab and Assets panel next to Dagster's own UI
on the quickstart notebook's four assets, light and dark.

    python docs/side_by_side.py OUT_DIR [--dagster http://127.0.0.1:3333]

Ours: a headless JupyterLab runs the quickstart's definition cells and `%materialize`, then the
Lineage tab is opened next to the Assets panel. Dagster's: a running dagster-webserver serving
the same assets written with `import dagster as dg` (docs/quickstart_dagster.py), materialized
once, its lineage of top_country (upstream) and its catalog:

    DAGSTER_HOME=... dagster asset materialize -f docs/quickstart_dagster.py --select '*'
    DAGSTER_HOME=... dagster-webserver -f docs/quickstart_dagster.py -h 127.0.0.1 -p 3333

Needs Debian's chromium and playwright.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from browser_harness import KERNEL_READY, browser_page, jupyterlab, open_notebook  # noqa: E402

TOKEN = "side-by-side"


def ours(out: Path) -> None:
    nb = json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"][:4]
    cells = [*code, "%materialize"]
    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    (work / "quickstart.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                        "id": f"c{i}",
                        "source": src,
                    }
                    for i, src in enumerate(cells)
                ],
                "metadata": {
                    "kernelspec": {
                        "name": "python3",
                        "display_name": "Python 3",
                        "language": "python",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    with jupyterlab(work, TOKEN) as base, browser_page(viewport=(1400, 800)) as page:
        open_notebook(page, base, TOKEN, "quickstart.ipynb")
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        page.locator(".jp-SideBar.jp-mod-left li[data-id='dagster-nb-catalog']").click()
        row = "#dagster-nb-catalog .dnbx-row[data-asset-key='top_country'][data-status='fresh']"
        page.wait_for_selector(row, timeout=120_000)
        page.wait_for_function(KERNEL_READY, timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands.execute('dagster-nb:open-lineage')")
        page.wait_for_selector(".dnbx-lineage[data-nodes='4'] .dnbx-node", timeout=60_000)
        # the notebook's dock area narrowed: the Lineage tab gets most of the width
        page.evaluate(
            "() => { const m = window.jupyterapp.shell; const d = m._dockPanel;"
            " if (d && d.layout && d.layout.restoreLayout) { const c = d.saveLayout();"
            " if (c.main && c.main.sizes) { c.main.sizes = [0.3, 0.7]; d.restoreLayout(c); } } }"
        )
        for theme, tag in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
            page.evaluate(
                "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
                theme,
            )
            page.wait_for_function(
                "(t) => document.body.dataset.jpThemeName === t", arg=theme, timeout=30_000
            )
            page.wait_for_timeout(800)
            page.locator(".dnbx-lineage button.dnbx-fit").click()
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / f"dagster_nb_lab_{tag}.png"))


def dagster(out: Path, url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        page.add_locator_handler(page.get_by_role("button", name="Skip"), lambda b: b.click())
        for tag in ("light", "dark"):
            page.emulate_media(color_scheme=tag)
            # top_country's lineage, every upstream level ("All"), once nothing says "Loading"
            page.goto(f"{url}/assets/top_country?view=lineage&lineageScope=upstream")
            _settled(page)
            page.get_by_role("button", name="All", exact=True).click()
            _settled(page)
            for _ in range(5):  # its zoom-out button, until the four assets fit, as our Fit does
                page.mouse.click(1373, 707)
                page.wait_for_timeout(400)
            page.screenshot(path=str(out / f"dagster_graph_{tag}.png"))
            page.goto(f"{url}/assets")
            _settled(page)
            page.screenshot(path=str(out / f"dagster_catalog_{tag}.png"))
        browser.close()


def _settled(page) -> None:
    page.wait_for_timeout(2000)
    page.mouse.move(5, 5)  # an action: the locator handler dismisses "Join the community"
    page.wait_for_function("() => !document.body.innerText.includes('Loading')", timeout=60_000)
    page.wait_for_timeout(1000)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--dagster", help="a running dagster-webserver's URL")
    ap.add_argument("--dagster-only", action="store_true", help="only Dagster's screenshots")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.dagster_only:
        ours(args.out)
    if args.dagster:
        dagster(args.out, args.dagster)
