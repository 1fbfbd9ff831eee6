"""Shared pieces of the widgets: inline ES modules, a throttle, selection strings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from dagster_nb._definitions.asset_key import AssetKey

_STATIC = Path(__file__).parent / "static"


@cache
def static_text(name: str) -> str:
    """An ES module or stylesheet shipped in ``static/`` (plain files, no build step)."""
    return (_STATIC / name).read_text(encoding="utf-8")


def key_selection(key: AssetKey | str) -> str:
    """``key:"a/b"``: the selection string of exactly one key."""
    s = key.to_user_string() if isinstance(key, AssetKey) else str(key)
    return 'key:"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def coerce_key(key: AssetKey | str | Any) -> AssetKey:
    if isinstance(key, AssetKey):
        return key
    if isinstance(key, str):
        return AssetKey.from_user_string(key)
    return AssetKey.from_coercible_or_definition(key)


class Throttle:
    """Calls ``fn`` at most once per ``interval`` seconds, on a timer thread; ``interval == 0``
    calls it at once, in the caller's thread (what tests use)."""

    def __init__(self, fn: Callable[[], None], interval: float):
        self._fn = fn
        self.interval = interval
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False
        self.last_duration = 0.0

    def _run(self) -> None:
        with self._lock:
            self._timer = None
            if self._closed:
                return
        t0 = time.perf_counter()
        try:
            self._fn()
        finally:
            self.last_duration = time.perf_counter() - t0

    def __call__(self) -> None:
        if self._closed:
            return
        if self.interval <= 0:
            self._run()
            return
        with self._lock:
            if self._timer is not None:
                return  # a refresh is already due; it will see this change
            # Never refresh more often than a refresh takes (1,000-asset graphs take ~1 s).
            delay = max(self.interval, self.last_duration)
            self._timer = threading.Timer(delay, self._run)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Run a pending call now (and wait for it)."""
        with self._lock:
            t, self._timer = self._timer, None
        if t is not None:
            t.cancel()
            self._run()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class LiveRepoView:
    """Mixin for widgets that follow a repository: ``_repo``, ``_throttle`` (re-render) and
    ``_subscribed`` are set by the widget; this gives them the same ``flush`` and ``close``."""

    _repo: Any
    _throttle: Throttle
    _subscribed: bool

    def _on_notify(self, kind: str, payload: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def flush(self) -> None:
        """Apply pending live updates now."""
        self._throttle.flush()

    def close(self) -> None:
        """Stop following the repository and close the widget."""
        self._throttle.close()
        if self._subscribed:
            self._repo.unsubscribe(self._on_notify)
            self._subscribed = False
        super().close()  # type: ignore[misc]
