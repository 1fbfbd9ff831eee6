"""JupyterLab in real Chromium, shared by the browser tests (tests/e2e, tests/lab) and used the
same way by each: a headless JupyterLab on 127.0.0.1 with a token, user settings that keep
news toasts off the screenshots, this tree on the kernels' PYTHONPATH and its built extension
first on the labextension path; a page that fails the test on any request leaving the machine
or any script error.

    with jupyterlab(work, TOKEN) as base:
        with browser_page(viewport=(1500, 950)) as page:
            open_notebook(page, base, TOKEN, "assets.ipynb")
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABEXT = ROOT / "labextension" / "dist"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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


def skip_without_browser() -> None:
    """Skip the calling test module (with the reason) when playwright or chromium is missing."""
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium)",
            allow_module_level=True,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(work: Path, token: str) -> Iterator[str]:
    """Run ``jupyter lab`` serving ``work``; yields its base URL and stops it on leaving. A
    server that dies at start raises with its output."""
    settings = work / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
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
            f"--IdentityProvider.token={token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={work}",
            "--LabApp.news_url=None",
            f"--LabApp.extra_labextensions_path={LABEXT}",
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
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"jupyter lab exited at start:\n{out}") from None
                if time.time() > deadline:
                    raise RuntimeError("jupyter lab did not start in 90 s") from None
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def browser_page(viewport: tuple[int, int] = (1500, 950)) -> Iterator:
    """A Chromium page; on leaving, asserts it made no request outside this machine and raised
    no script error."""
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        page.on(
            "request",
            lambda r: (
                external.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                and not r.url.startswith(("data:", "blob:"))
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield page
        finally:
            browser.close()
    assert not external, external
    assert not errors, errors


def open_notebook(page, base: str, token: str, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab and wait for its kernel to be idle; the "Select Kernel"
    dialog, if it shows, is accepted."""
    page.add_locator_handler(
        page.locator(".jp-Dialog").filter(has_text="Select Kernel"),
        lambda d: d.locator(".jp-Dialog-button.jp-mod-accept").click(),
    )
    page.request.get(f"{base}/api/kernelspecs?token={token}")
    page.goto(f"{base}/lab/tree/{notebook}?token={token}&reset")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    page.wait_for_function(KERNEL_READY, timeout=90_000)
