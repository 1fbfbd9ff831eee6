"""The dagster-nb JupyterLab extension in real Chromium against a headless JupyterLab: the
Assets panel, the launch dialog, the Lineage tab and the Runs view, driving the quickstart's
assets. One JupyterLab server for the module; screenshots (light and dark) land in
tests/lab/artifacts/. Needs Debian's chromium and playwright (skipped with the reason)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e.browser_harness import (
    KERNEL_READY,
    LABEXT,
    ROOT,
    browser_page,
    jupyterlab,
    open_notebook,
    skip_without_browser,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
TOKEN = "dagster-nb-lab"

pytestmark = pytest.mark.e2e
skip_without_browser()

EXTRA_CELLS = [
    '@dg.asset(group_name="daily", kinds={"python"},\n'
    '          partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-11"))\n'
    "def daily_orders(context: dg.AssetExecutionContext) -> int:\n"
    '    """Orders of one day."""\n'
    "    return int(context.partition_key[-2:])\n",
    '@dg.asset(group_name="daily")\n'
    "def broken_feed() -> int:\n"
    '    raise ValueError("the feed has no header row")\n',
]


def _notebook(path: Path) -> None:
    """The quickstart's setup and asset cells (nothing materialized), plus a partitioned asset
    and one that fails."""
    nb = json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    keep = [
        c
        for c in code
        if "%load_ext" in "".join(c["source"])
        or "@dg.asset" in "".join(c["source"])
        or "%%asset" in "".join(c["source"])
    ][:4]
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "id": f"cell{i}",
            "source": "".join(c["source"]),
        }
        for i, c in enumerate(keep)
    ]
    cells += [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "id": f"extra{i}",
            "source": src,
        }
        for i, src in enumerate(EXTRA_CELLS)
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (LABEXT / "dagster-nb" / "package.json").exists():
        pytest.fail(
            "The extension is not built: `pip install -e .` (or `jlpm build:prod` in labextension/)."
        )
    work = tmp_path_factory.mktemp("lab")
    _notebook(work / "assets.ipynb")
    (work / "plain.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                        "id": "p0",
                        "source": "1 + 1",
                    }
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
    with jupyterlab(work, TOKEN) as base:
        yield base


@pytest.fixture(scope="module")
def page(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(viewport=(1500, 950)) as pg:
        open_notebook(pg, lab, TOKEN, "assets.ipynb")
        yield pg


def _run_all(page) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")


def _row(page, key: str):
    return page.locator(f"#dagster-nb-catalog .dnbx-row[data-asset-key='{key}']")


def _theme(page, name: str) -> None:
    page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name
    )
    page.wait_for_function(
        "(t) => document.body.dataset.jpThemeName === t", arg=name, timeout=30_000
    )
    page.wait_for_timeout(300)


def _contrast(page, selector: str) -> float:
    """WCAG contrast of an element's text colour against the panel background."""
    return page.evaluate(
        """(sel) => {
          const el = document.querySelector(sel);
          const bg = getComputedStyle(document.querySelector('#dagster-nb-catalog')).backgroundColor;
          const fg = getComputedStyle(el).color;
          const lum = c => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(x => x / 255)
              .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
            return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
          const a = lum(fg), b = lum(bg);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""",
        selector,
    )


def test_panel_says_when_the_kernel_has_not_loaded_dagster_nb(page):
    from playwright.sync_api import expect

    page.locator(".jp-SideBar.jp-mod-left li[data-id='dagster-nb-catalog']").click()
    panel = page.locator("#dagster-nb-catalog")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("has not loaded dagster_nb", timeout=30_000)


def test_rows_appear_with_status_and_a_click_materializes_live(page):
    from playwright.sync_api import expect

    _run_all(page)
    for key in (
        "orders",
        "fx_rates",
        "revenue_by_country",
        "top_country",
        "daily_orders",
        "broken_feed",
    ):
        expect(_row(page, key)).to_have_attribute("data-status", "missing", timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=60_000)
    page.locator("#dagster-nb-catalog").screenshot(path=str(ARTIFACTS / "panel_missing_light.png"))
    _row(page, "orders").locator(".dnbx-row-run").click()
    expect(_row(page, "orders")).to_have_attribute("data-status", "fresh", timeout=60_000)
    expect(_row(page, "revenue_by_country")).to_have_attribute("data-status", "missing")
    expect(page.locator("#dagster-nb-catalog .dnbx-message")).to_contain_text("SUCCESS")


def test_search_filters_with_the_selection_syntax(page):
    from playwright.sync_api import expect

    search = page.locator("#dagster-nb-catalog .dnbx-search")
    search.fill("key:orders+")
    search.press("Enter")
    rows = page.locator("#dagster-nb-catalog .dnbx-row")
    expect(rows).to_have_count(3, timeout=30_000)  # orders, revenue_by_country, top_country
    expect(_row(page, "fx_rates")).to_have_count(0)
    search.fill("group:daily")
    search.press("Enter")
    expect(rows).to_have_count(2, timeout=30_000)
    search.fill("key:nope+(")
    search.press("Enter")
    expect(page.locator("#dagster-nb-catalog .dnbx-search-error")).not_to_be_empty(timeout=30_000)
    search.fill("")
    search.press("Enter")
    expect(rows).to_have_count(6, timeout=30_000)
    # group by kind: an asset with two kinds would be under both; here pandas x3, python, none x2
    page.locator("#dagster-nb-catalog .dnbx-groupby").select_option("kind")
    heads = page.locator("#dagster-nb-catalog .dnbx-group-head")
    expect(heads).to_have_text(["(no kind) 2", "pandas 3", "python 1"], timeout=30_000)
    page.locator("#dagster-nb-catalog .dnbx-groupby").select_option("")
    expect(heads).to_have_count(0)


def test_launch_dialog_runs_one_partition(page):
    from playwright.sync_api import expect

    _row(page, "daily_orders").locator(".dnbx-row-run").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("10 partitions", timeout=30_000)
    dialog.locator(".dnbx-launch-partition").fill("2024-01-05")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(_row(page, "daily_orders")).to_contain_text("1/10 partitions", timeout=60_000)
    expect(_row(page, "daily_orders")).to_have_attribute("data-status", "fresh")
    # a range, missing only
    _row(page, "daily_orders").locator(".dnbx-row-run").click()
    dialog.locator(".dnbx-launch-mode-range").check()
    dialog.locator(".dnbx-launch-start").fill("2024-01-04")
    dialog.locator(".dnbx-launch-end").fill("2024-01-06")
    dialog.locator(".dnbx-launch-missing-in-range").check()
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(_row(page, "daily_orders")).to_contain_text("3/10 partitions", timeout=60_000)
    # a key outside the definition: the kernel's message, shown in the panel
    _row(page, "daily_orders").locator(".dnbx-row-run").click()
    dialog.locator(".dnbx-launch-partition").fill("2023-12-31")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(page.locator("#dagster-nb-catalog .dnbx-message")).to_contain_text(
        "'2023-12-31' is not a partition of daily_orders", timeout=30_000
    )


def test_details_show_value_and_history(page):
    from playwright.sync_api import expect

    _row(page, "orders").click()
    detail = page.locator("#dagster-nb-catalog .dnbx-detail-body[data-asset-key='orders']")
    expect(detail).to_contain_text("Orders placed in the web shop", timeout=30_000)
    expect(detail.locator(".dnbx-value table")).to_have_count(1)
    expect(detail.locator(".dnbx-hist tr")).to_have_count(1)
    detail.locator(".dnbx-jump").click()  # to the cell that defines orders
    expect(page.locator(".jp-Notebook .jp-Cell.jp-mod-active")).to_contain_text(
        "def orders()", timeout=30_000
    )


def test_lineage_tab_shows_every_node_and_a_failure_in_runs(page):
    from playwright.sync_api import expect

    page.locator("#dagster-nb-catalog .dnbx-open-lineage").click()
    nodes = page.locator(".dnbx-lineage .dnbx-node")
    expect(nodes).to_have_count(6, timeout=30_000)
    expect(page.locator(".dnbx-lineage .dnbx-node[data-asset-key='orders']")).to_have_attribute(
        "data-status", "fresh"
    )
    expect(page.locator(".dnbx-lineage .dnbx-group-box")).to_have_count(3)  # raw, marts, daily
    # the failing asset: red live, and its error with the user's line in the runs view
    _row(page, "broken_feed").locator(".dnbx-row-run").click()
    expect(
        page.locator(".dnbx-lineage .dnbx-node[data-asset-key='broken_feed']")
    ).to_have_attribute("data-status", "failed", timeout=60_000)
    expect(page.locator("#dagster-nb-catalog .dnbx-message")).to_contain_text(
        "the feed has no header row"
    )
    page.locator(".dnbx-lineage").screenshot(path=str(ARTIFACTS / "lineage_tab_light.png"))
    # a click on a card shows its details in the panel; focusing a selection keeps its nodes
    page.locator(".dnbx-lineage .dnbx-node[data-asset-key='top_country']").click()
    expect(
        page.locator("#dagster-nb-catalog .dnbx-detail-body[data-asset-key='top_country']")
    ).to_be_visible(timeout=30_000)
    focus = page.locator(".dnbx-lineage .dnbx-focus")
    focus.fill("+key:revenue_by_country")
    focus.press("Enter")
    expect(nodes).to_have_count(3, timeout=30_000)
    focus.fill("")
    focus.press("Enter")
    expect(nodes).to_have_count(6, timeout=30_000)
    page.locator("#dagster-nb-catalog .dnbx-open-runs").click()
    runs = page.locator(".dnbx-runs")
    # orders, one partition, the range backfill (a run per partition: 2024-01-04 and 06), broken_feed
    expect(runs.locator(".dnbx-run-row")).to_have_count(5, timeout=30_000)
    expect(runs.locator(".dnbx-run-row[data-status='FAILURE']")).to_have_count(1)
    expect(runs.locator(".dnbx-traceback")).to_contain_text(
        'raise ValueError("the feed has no header row")', timeout=30_000
    )
    runs.screenshot(path=str(ARTIFACTS / "runs_light.png"))


def test_panel_follows_the_notebook_in_focus(page):
    from playwright.sync_api import expect

    panel = page.locator("#dagster-nb-catalog")
    page.evaluate(
        "() => window.jupyterapp.commands.execute('docmanager:open', {path: 'plain.ipynb'})"
    )
    expect(panel).to_contain_text("has not loaded dagster_nb", timeout=60_000)
    expect(panel.locator(".dnbx-row")).to_have_count(0)
    page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('assets.ipynb')").click()
    expect(panel.locator(".dnbx-row")).to_have_count(6, timeout=30_000)
    page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('plain.ipynb')").click()
    expect(panel).to_contain_text("has not loaded dagster_nb", timeout=30_000)
    page.locator(
        ".lm-TabBar-tab:has(.lm-TabBar-tabLabel:text-is('plain.ipynb')) .lm-TabBar-tabCloseIcon"
    ).click()
    page.wait_for_timeout(500)
    discard = page.locator(
        ".jp-Dialog .jp-Dialog-button.jp-mod-warn"
    )  # "Discard" if the open touched metadata
    if discard.count():
        discard.click()
    expect(page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('plain.ipynb')")).to_have_count(
        0
    )
    page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('assets.ipynb')").click()
    expect(panel.locator(".dnbx-row")).to_have_count(6, timeout=30_000)


def test_dark_theme_is_readable(page):
    light = _contrast(page, "#dagster-nb-catalog .dnbx-row .dnbx-name")
    _theme(page, "JupyterLab Dark")
    try:
        dark = _contrast(page, "#dagster-nb-catalog .dnbx-row .dnbx-name")
        dark_meta = _contrast(page, "#dagster-nb-catalog .dnbx-row .dnbx-row-meta")
        page.locator("#dagster-nb-catalog").screenshot(path=str(ARTIFACTS / "panel_dark.png"))
        page.locator(".dnbx-lineage").screenshot(path=str(ARTIFACTS / "lineage_tab_dark.png"))
        page.locator(".dnbx-runs").screenshot(path=str(ARTIFACTS / "runs_dark.png"))
        page.screenshot(path=str(ARTIFACTS / "lab_dark.png"))
        bg = page.evaluate(
            "getComputedStyle(document.querySelector('#dagster-nb-catalog')).backgroundColor"
        )
        card = page.evaluate(
            "getComputedStyle(document.querySelector('.dnbx-lineage .dnbx-card')).fill"
        )
    finally:
        _theme(page, "JupyterLab Light")
    assert light >= 7 and dark >= 7, (light, dark)
    assert dark_meta >= 4.5, dark_meta
    # the panel and the cards follow the theme (dark backgrounds), not a fixed white
    assert sum(map(int, bg[bg.index("(") + 1 : bg.index(")")].split(",")[:3])) < 200, bg
    assert sum(map(int, card[card.index("(") + 1 : card.index(")")].split(",")[:3])) < 200, card
    page.screenshot(path=str(ARTIFACTS / "lab_light.png"))


MULTI_ASSET = """
@dg.asset(group_name="daily", partitions_def=dg.MultiPartitionsDefinition({
    "date": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04"),
    "region": dg.StaticPartitionsDefinition(["a", "b"]),
}))
def regional_sales(context: dg.AssetExecutionContext) -> str:
    return context.partition_key
"""

# Run code in the notebook's kernel (as a cell would, without adding one); returns its stdout.
KERNEL_EXEC = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const f = k.requestExecute({ code });
  f.onIOPub = (m) => { if (m.header.msg_type === 'stream') { out += m.content.text; } };
  await f.done;
  return out;
}"""


# Last in the module: it adds an asset to the kernel, which the tests above count.
def test_launch_dialog_picks_a_key_per_dimension_of_a_multi_partitioned_asset(page):
    from playwright.sync_api import expect

    page.evaluate(KERNEL_EXEC, MULTI_ASSET)
    expect(_row(page, "regional_sales")).to_have_attribute("data-status", "missing", timeout=60_000)
    _row(page, "regional_sales").locator(".dnbx-row-run").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("6 partitions", timeout=30_000)
    # one select per dimension, named and ordered as the definition names them
    dims = dialog.locator("select.dnbx-launch-dimension")
    expect(dims).to_have_count(2)
    assert [dims.nth(i).get_attribute("data-dimension") for i in range(2)] == ["date", "region"]
    assert dims.nth(0).locator("option").all_inner_texts() == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]
    dims.nth(0).select_option("2024-01-02")
    dims.nth(1).select_option("a")
    dialog.screenshot(path=str(ARTIFACTS / "launch_multi.png"))
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(_row(page, "regional_sales")).to_contain_text("1/6 partitions", timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=60_000)
    out = page.evaluate(
        KERNEL_EXEC,
        "r = dg.kernel.instance.get_runs()[0]\n"
        "print(r.tags.get('dagster/partition'), r.status.value)\n"
        "print(sorted(dg.kernel.instance.get_materialized_partitions('regional_sales')))",
    )
    assert out.splitlines() == ["2024-01-02|a SUCCESS", "['2024-01-02|a']"]
    # every missing partition: the other five
    _row(page, "regional_sales").locator(".dnbx-row-run").click()
    dialog.locator(".dnbx-launch-mode-missing").check()
    expect(dims.nth(0)).to_be_disabled()
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(_row(page, "regional_sales")).to_contain_text("6/6 partitions", timeout=90_000)
