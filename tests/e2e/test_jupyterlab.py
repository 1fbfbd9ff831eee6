"""JupyterLab in a real browser: run the quickstart notebook and check that the lineage widget
and the progress view render. Needs Debian's chromium and the playwright package; skipped
(with the reason) when they are missing. Screenshots land in tests/e2e/artifacts/."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
KERNEL_READY = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }"""
TOKEN = "dagster-nb-e2e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", work / "quickstart.ipynb")
    shutil.copy(ROOT / "notebooks" / "02_partitions_and_backfills.ipynb", work / "partitions.ipynb")
    settings = work / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    # user settings: no "get notified about Jupyter news?" toast over the screenshots
    (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), DAGSTER_HOME=str(work / "home"))
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
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.disable_check_xsrf=True",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode(errors="replace")) from None
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("JupyterLab did not start in 90 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _open_and_run_all(page, lab: str, notebook: str) -> None:
    page.add_locator_handler(
        page.locator(".jp-Dialog").filter(has_text="Select Kernel"),
        lambda d: d.locator(".jp-Dialog-button.jp-mod-accept").click(),
    )
    page.request.get(f"{lab}/api/kernelspecs?token={TOKEN}")
    page.goto(f"{lab}/lab/tree/{notebook}?token={TOKEN}&reset")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    page.wait_for_function(KERNEL_READY, timeout=90_000)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Restart Kernel and Run All Cells…')")
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()


@contextlib.contextmanager
def _notebook_page(lab: str, notebook: str):
    """A Chromium page with ``notebook`` open and all its cells run; on leaving, asserts the
    page made no request outside this machine and raised no script error."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.on(
            "request",
            lambda r: (
                external.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                and not r.url.startswith("data:")
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        _open_and_run_all(page, lab, notebook)
        yield page
        browser.close()
    assert not external, external
    assert not errors, errors


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
