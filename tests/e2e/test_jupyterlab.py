"""JupyterLab in a real browser: run the quickstart notebook and check that the lineage widget
and the progress view render. Needs Debian's chromium and the playwright package; skipped
(with the reason) when they are missing. Screenshots land in tests/e2e/artifacts/."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from browser_harness import (
    KERNEL_READY,
    ROOT,
    browser_page,
    jupyterlab,
    open_notebook,
    skip_without_browser,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
TOKEN = "dagster-nb-e2e"

pytestmark = pytest.mark.e2e
skip_without_browser()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", work / "quickstart.ipynb")
    shutil.copy(ROOT / "notebooks" / "02_partitions_and_backfills.ipynb", work / "partitions.ipynb")
    with jupyterlab(work, TOKEN) as base:
        yield base


@contextlib.contextmanager
def _notebook_page(lab: str, notebook: str):
    """A Chromium page with ``notebook`` open and all its cells run; on leaving, asserts the
    page made no request outside this machine and raised no script error."""
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(viewport=(1400, 2400)) as page:
        open_notebook(page, lab, TOKEN, notebook)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Restart Kernel and Run All Cells…')")
        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
        yield page


def test_quickstart_renders_lineage_and_progress(lab):
    from playwright.sync_api import expect

    with _notebook_page(lab, "quickstart.ipynb") as page:
        # each lineage widget draws one SVG node per asset (4 in the quickstart; it shows two)
        lineage = page.locator(".dnb-lineage").first.locator("svg g.node")
        expect(lineage).to_have_count(4, timeout=120_000)
        expect(page.locator(".dnb-lineage")).to_have_count(2, timeout=120_000)
        # the progress view shows a row per asset once the run finished
        progress = page.locator(".dnb-runs").first
        expect(progress).to_contain_text("orders", timeout=120_000)
        expect(progress).to_contain_text("top_country", timeout=60_000)
        page.wait_for_function(KERNEL_READY, timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "quickstart_full.png"), full_page=True)
        lineage_box = page.locator(".dnb-lineage").first
        lineage_box.scroll_into_view_if_needed()
        lineage_box.screenshot(path=str(ARTIFACTS / "lineage.png"))
        progress.screenshot(path=str(ARTIFACTS / "progress.png"))
        # the last cells ran: values reloaded from the instance
        expect(page.locator(".jp-OutputArea-output").filter(has_text="'FR'")).to_have_count(
            1, timeout=60_000
        )
        # click a node: the detail panel shows the asset
        page.locator(".dnb-lineage svg g.node").filter(has_text="top_country").first.click()
        expect(page.locator(".dnb-detail").first).to_contain_text("top_country", timeout=30_000)
        page.locator(".dnb-lineage").first.screenshot(path=str(ARTIFACTS / "lineage_detail.png"))


def test_partition_widget_renders_and_backfills_a_click(lab):
    from playwright.sync_api import expect

    with _notebook_page(lab, "partitions.ipynb") as page:
        widgets = page.locator(".dnb-partitions")
        expect(widgets).to_have_count(2, timeout=120_000)
        page.wait_for_function(KERNEL_READY, timeout=120_000)
        strip = widgets.first
        strip.scroll_into_view_if_needed()
        done = strip.locator(".dnb-p-seg.dnb-p-materialized").first
        expect(done).to_have_attribute(
            "title", re.compile(r"2024-03-01 … 2024-03-14"), timeout=30_000
        )
        strip.screenshot(path=str(ARTIFACTS / "partitions_before.png"))
        # click the first missing day, then backfill it from the widget
        strip.locator(".dnb-p-seg.dnb-p-missing").first.click(position={"x": 1, "y": 4})
        expect(strip).to_contain_text("selected: 2024-03-15", timeout=30_000)
        strip.locator("button", has_text="Materialize range").click()
        try:
            expect(strip.locator(".dnb-p-seg.dnb-p-materialized").first).to_have_attribute(
                "title", re.compile(r"2024-03-01 … 2024-03-15"), timeout=60_000
            )
        except AssertionError as e:  # say what the widget says (its message line)
            strip.screenshot(path=str(ARTIFACTS / "partitions_failed.png"))
            raise AssertionError(f"{e}\nwidget text: {strip.inner_text()}") from None
        strip.screenshot(path=str(ARTIFACTS / "partitions_after.png"))
        grid = widgets.nth(1)
        grid.scroll_into_view_if_needed()
        expect(grid.locator(".dnb-p-row")).to_have_count(3, timeout=30_000)
        grid.screenshot(path=str(ARTIFACTS / "partitions_grid.png"))
