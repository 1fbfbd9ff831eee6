"""The widgets in JupyterLab's light and dark themes, in real Chromium (issue #13): every view
is readable in both (text against its own background, the graph follows the theme), a failed
node says why, and the Materialize button of a partitioned asset opens the partition picker.
Screenshots of each view in both themes land in tests/e2e/artifacts/."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

from test_jupyterlab import ARTIFACTS, KERNEL_READY, TOKEN, _notebook_page, lab  # noqa: E402, F401

CELLS = [
    "%load_ext dagster_nb\nimport dagster_nb as dg",
    """days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-08")

@dg.asset(kinds={"python"})
def raw_orders():
    return [1, 2, 3]

@dg.asset
def cleaned_orders(raw_orders):
    raise KeyError("column 'amount' is missing")

@dg.asset
def revenue_report(cleaned_orders):
    return sum(cleaned_orders)

@dg.asset(partitions_def=days)
def daily_sales(context, raw_orders):
    return len(raw_orders)

@dg.asset
def monthly_revenue_by_customer_segment_and_region_adjusted_for_returns(raw_orders):
    return 1""",
    "try:\n    dg.kernel.materialize(raise_on_error=False, selection='not key:daily_sales')\nexcept Exception as e:\n    print(e)",
    "%lineage",
    "%partitions daily_sales",
    "%dagster_nb runs",
]

# WCAG relative luminance and contrast of two CSS colours (rgb()/rgba() strings)
CONTRAST = """([fg, bg]) => {
  const nums = (c) => { const v = c.match(/[\\d.]+/g).map(Number);  // color-mix gives color(srgb 0-1)
    return c.startsWith('color(') ? v.map((x, i) => (i < 3 ? x * 255 : x)) : v; };
  const back = nums(bg).slice(0, 3);
  const parse = (c) => { const v = nums(c); const a = v.length > 3 ? v[3] : 1;  // blend alpha
    return v.slice(0, 3).map((x, i) => a * x + (1 - a) * (i === undefined ? 0 : back[i])); };
  const lum = (rgb) => { const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const a = lum(parse(fg)), b = lum(parse(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
# the colour behind an element: the ancestors' backgrounds composited (semi-transparent
# tints over the first opaque one, white at the top)
BACKGROUND = """(el) => { const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    let v = (c.match(/[\\d.]+/g) || []).map(Number);
    if (c.startsWith('color(')) v = v.map((x, i) => (i < 3 ? x * 255 : x));
    if (v.length < 3) continue;
    const a = v.length > 3 ? v[3] : 1;
    if (a === 0) continue;
    layers.push([v[0], v[1], v[2], a]);
    if (a === 1) break; }
  let rgb = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) rgb = [r, g, b].map((x, i) => a * x + (1 - a) * rgb[i]);
  return `rgb(${rgb.map(Math.round).join(', ')})`; }"""


def _contrast(page, locator) -> float:
    el = locator.element_handle()
    fg = page.evaluate("(el) => getComputedStyle(el).color", el)
    bg = page.evaluate(BACKGROUND, el)
    return page.evaluate(CONTRAST, [fg, bg])


def _svg_contrast(page, text_locator, fill_locator) -> float:
    fg = page.evaluate("(el) => getComputedStyle(el).fill", text_locator.element_handle())
    bg = page.evaluate("(el) => getComputedStyle(el).fill", fill_locator.element_handle())
    return page.evaluate(CONTRAST, [fg, bg])


def _set_theme(page, name: str) -> None:
    page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name
    )
    page.wait_for_function(
        "(t) => document.body.dataset.jpThemeName === t", arg=name, timeout=30_000
    )
    page.wait_for_timeout(500)  # the theme's stylesheet applied


def _write_notebook(page, lab_url: str) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in CELLS
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    r = page.request.put(
        f"{lab_url}/api/contents/themes.ipynb?token={TOKEN}",
        data=json.dumps({"type": "notebook", "content": nb}),
        headers={"Content-Type": "application/json"},
    )
    assert r.ok, r.text()


def test_views_are_readable_in_light_and_dark_and_explain_failures(lab):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:  # the notebook, written through Jupyter's contents API
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        _write_notebook(b.new_page(), lab)
        b.close()
    with _notebook_page(lab, "themes.ipynb") as page:
        lineage = page.locator(".dnb-lineage").first
        expect(lineage.locator("svg g.node")).to_have_count(5, timeout=120_000)
        expect(page.locator(".dnb-partitions")).to_have_count(1, timeout=120_000)
        expect(page.locator(".dnb-runs")).to_have_count(1, timeout=120_000)
        page.wait_for_function(KERNEL_READY, timeout=120_000)

        # the downstream of the failure is "not run", the failed node says why
        expect(lineage.locator("g.status-not_run")).to_have_count(1)
        expect(lineage.locator("g.status-failed")).to_have_count(1)
        lineage.locator("svg g.node").filter(has_text="cleaned_orders").first.click()
        failure = lineage.locator(".dnb-failure")
        expect(failure).to_contain_text("KeyError", timeout=30_000)
        expect(failure).to_contain_text("column 'amount' is missing")
        expect(failure.locator("pre")).to_contain_text("in cleaned_orders")
        expect(failure.locator("pre")).not_to_contain_text("dagster_nb/")

        for theme, tag in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
            _set_theme(page, theme)
            lineage.scroll_into_view_if_needed()
            lineage.screenshot(path=str(ARTIFACTS / f"lineage_failed_{tag}.png"))
            page.locator(".dnb-partitions").first.screenshot(
                path=str(ARTIFACTS / f"partitions_{tag}.png")
            )
            page.locator(".dnb-runs").first.screenshot(path=str(ARTIFACTS / f"runs_{tag}.png"))
            # text against its own background, as a user reads it (WCAG AA: 4.5)
            for loc in (
                lineage.locator(".dnb-detail .dnb-title b"),
                lineage.locator(".dnb-failure-msg"),
                lineage.locator(".dnb-failure pre"),
                lineage.locator(".dnb-btn").first,
                lineage.locator(".dnb-legend-item").first,
                lineage.locator(".dnb-summary"),
                page.locator(".dnb-runs td").first,
                page.locator(".dnb-p-axis").first,
            ):
                assert _contrast(page, loc) >= 4.5, (tag, loc)
            # the graph follows the theme: its background is the notebook's, names readable
            bg = page.evaluate(
                "(el) => getComputedStyle(el).fill",
                lineage.locator("svg > g.graph > polygon").first.element_handle(),
            )
            area = page.evaluate(BACKGROUND, lineage.locator(".dnb-viewport").element_handle())
            assert bg == area, (tag, bg, area)
            node = lineage.locator("g.node").filter(has_text="raw_orders").first
            assert (
                _svg_contrast(page, node.locator("text").first, node.locator("path").first) >= 4.5
            ), tag

        # the Materialize button of a partitioned asset opens the picker; a launch runs one day
        lineage.locator("svg g.node").filter(has_text="daily_sales").first.click()
        button = lineage.locator(".dnb-actions button[data-kind=materialize]")
        expect(button).to_contain_text("Materialize", timeout=30_000)
        button.click()
        pick = lineage.locator(".dnb-picker")
        expect(pick).to_contain_text(
            'DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-08")'
        )
        expect(pick.locator("select").first).to_have_value("2024-01-07")
        lineage.screenshot(path=str(ARTIFACTS / "lineage_picker_dark.png"))
        pick.locator("button", has_text="Launch run").click()
        expect(lineage.locator(".dnb-message")).to_contain_text("SUCCESS", timeout=60_000)
        expect(lineage.locator("g.node").filter(has_text="daily_sales")).to_contain_text(
            "1/7", timeout=30_000
        )
        _set_theme(page, "JupyterLab Light")


BACKFILL_CELLS = [
    "%load_ext dagster_nb\nimport dagster_nb as dg\nimport time",
    """days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")

@dg.asset(partitions_def=days)
def slow_days(context):
    time.sleep(2)
    return context.partition_key""",
    "%materialize key:slow_days --partitions 2024-01-01...2024-01-04",
]


def test_a_backfill_shows_every_run_live_and_a_running_step_never_reads_zero_ms(lab):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = b.new_page()
        nb = {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": c,
                    "outputs": [],
                    "execution_count": None,
                }
                for c in BACKFILL_CELLS
            ],
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        r = page.request.put(
            f"{lab}/api/contents/backfill.ipynb?token={TOKEN}",
            data=json.dumps({"type": "notebook", "content": nb}),
            headers={"Content-Type": "application/json"},
        )
        assert r.ok, r.text()
        b.close()
    with _notebook_page(lab, "backfill.ipynb") as page:
        live = page.locator(".dnb-runs:not(.dnb-runs-static)").first
        # while the backfill runs: the live view counts its runs, and the running step's time
        # is "running" or "running 1.2 s", never "0 ms"
        expect(live.locator(".dnb-r-head")).to_contain_text("2 runs", timeout=120_000)
        running = live.locator(".dnb-r-time")
        expect(running.first).to_contain_text("running", timeout=30_000)
        assert "ms" not in running.first.inner_text()
        live.screenshot(path=str(ARTIFACTS / "backfill_live.png"))
        # when it ends, the output keeps the final table of all four runs
        done = page.locator(".dnb-runs-static").first
        expect(done).to_contain_text("4 runs", timeout=120_000)
        expect(done).to_contain_text("4/4")
        for day in ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"):
            expect(done).to_contain_text(day)
        page.wait_for_function(KERNEL_READY, timeout=120_000)
        done.screenshot(path=str(ARTIFACTS / "backfill_done.png"))
