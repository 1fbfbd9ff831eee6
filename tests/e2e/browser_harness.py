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
def jupyterlab(work: Path, token: str, *, app: str = "lab") -> Iterator[str]:
    """Run ``jupyter lab`` (or Notebook 7: ``app="notebook"``) serving ``work``; yields its base
    URL and stops it on leaving. A server that dies at start raises with its output."""
    if app not in ("lab", "notebook"):
        raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")
    cls = "LabApp" if app == "lab" else "JupyterNotebookApp"
    jupyter_path = os.environ.get("JUPYTER_PATH", "")
    if app == "notebook":
        # Notebook 7 lists extra_labextensions_path's build in the page but serves the files from
        # the data path only (a 404 for this tree's build): put the build first on the data path.
        ext = work / "jupyter_path" / "labextensions"
        ext.mkdir(parents=True, exist_ok=True)
        (ext / "dagster-nb").symlink_to(LABEXT / "dagster-nb", target_is_directory=True)
        jupyter_path = os.pathsep.join(filter(None, [str(work / "jupyter_path"), jupyter_path]))
    settings = work / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
    if app == "lab":
        # Notebook 7 has no news plugin, and user settings for a plugin it lacks are a script
        # error there ("reading 'schema'")
        (
            settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        ).write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        DAGSTER_HOME=str(work / "home"),
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        JUPYTER_PATH=jupyter_path,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            app,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={work}",
            f"--{cls}.extra_labextensions_path={LABEXT}",
            f"--{cls}.expose_app_in_browser=True",
            *(["--LabApp.news_url=None"] if app == "lab" else []),
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
                    raise RuntimeError(f"jupyter {app} exited at start:\n{out}") from None
                if time.time() > deadline:
                    raise RuntimeError(f"jupyter {app} did not start in 90 s") from None
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
def browser_page(
    viewport: tuple[int, int] = (1500, 950), *, known_errors: tuple[str, ...] = ()
) -> Iterator:
    """A Chromium page; on leaving, asserts it made no request outside this machine and raised
    no script error other than ``known_errors`` (exact messages, each with its reason at the
    caller)."""
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
        page.on(
            "pageerror",
            lambda e: errors.append(e.message) if e.message not in known_errors else None,
        )
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
