"""The automation loop's run queue: a tick stores the runs it requests as QUEUED and one worker
thread starts them in order, so schedules and sensors keep ticking while a run runs (Dagster's
``QueuedRunCoordinator``: a tick creates queued runs, the coordinator starts them).

    queue = RunQueue()
    queue.start()                                   # the worker thread
    queue.submit(instance, run_id, execute)         # run_id is stored QUEUED; execute() starts it
    queue.stop(timeout=60)                          # the run in progress finishes; the queued
                                                    # ones are recorded CANCELED

Without :meth:`start` (a single ``tick(at=...)`` from a test or ``%automation tick``) a submitted
run executes at once, on the caller's thread. The queued run is a row of the instance from the
tick on, so the run-key check of another loop sees it (a run key is never launched twice) and
the evaluator counts it as in progress. A run whose process dies while it waits is marked
CANCELED by ``instance.mark_dead_runs()``, as any run of a dead process.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["RunQueue", "enqueue_run"]


def enqueue_run(
    instance: DagsterInstance,
    *,
    run_id: str,
    job_name: str,
    asset_selection: Any,
    tags: dict,
    run_config: dict | None,
) -> None:
    """Store the run as QUEUED with Dagster's PIPELINE_ENQUEUED event (one transaction)."""
    from dagster_nb._events import DagsterEvent, DagsterEventType, DagsterRunStatus

    ev = DagsterEvent(
        event_type_value=DagsterEventType.RUN_ENQUEUED.value,
        run_id=run_id,
        job_name=job_name,
        timestamp=time.time(),
        message=f'Enqueued run for "{job_name}" (automation).',
    )
    instance.create_run(
        job_name=job_name,
        run_id=run_id,
        asset_selection=asset_selection,
        tags=tags,
        run_config=run_config,
        status=DagsterRunStatus.QUEUED,
        events=[ev],
    )


def _end_unstarted(
    instance: DagsterInstance, run_id: str, job_name: str, *, failed: bool, why: str
) -> None:
    """End a run that never finished: FAILURE (with why) or CANCELED. A run that ended
    meanwhile is left as it is (``if_run_unfinished``)."""
    from dagster_nb._events import DagsterEvent, DagsterEventType

    now = time.time()
    end = DagsterEventType.RUN_FAILURE if failed else DagsterEventType.RUN_CANCELED
    events = [
        DagsterEvent(
            event_type_value=DagsterEventType.ENGINE_EVENT.value,
            run_id=run_id,
            job_name=job_name,
            timestamp=now,
            message=why,
            level="ERROR" if failed else "INFO",
        ),
        DagsterEvent(
            event_type_value=end.value,
            run_id=run_id,
            job_name=job_name,
            timestamp=now,
            message=why.splitlines()[0] if why else end.value,
            level="ERROR" if failed else "INFO",
        ),
    ]
    instance.storage.store_events(events, if_run_unfinished=run_id)


class RunQueue:
    """Queued runs and the one worker thread that starts them, oldest first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[tuple[Any, str, str, Callable[[], Any]]] = deque()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.current: str | None = None  # the run id in progress on the worker
        self.started_runs = 0

    # ------------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def queued(self) -> list[str]:
        """Run ids waiting, oldest first."""
        with self._cond:
            return [item[1] for item in self._queue]

    # ------------------------------------------------------------------ use
    def submit(
        self, instance: DagsterInstance, run_id: str, job_name: str, execute: Callable[[], Any]
    ) -> None:
        """Start the QUEUED run ``run_id`` with ``execute()``: on the worker when it runs,
        else now."""
        with self._cond:
            if self.running and not self._stopping:
                self._queue.append((instance, run_id, job_name, execute))
                self._cond.notify()
                return
        self._execute(instance, run_id, job_name, execute)

    def start(self) -> None:
        with self._cond:
            if self.running:
                return
            self._stopping = False
            self._thread = threading.Thread(
                target=self._work, name="dagster_nb-automation-runs", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float | None = 60.0) -> bool:
        """Start nothing more: the run in progress finishes (waited for up to ``timeout``
        seconds), the runs still queued are recorded CANCELED. True when the worker ended."""
        with self._cond:
            self._stopping = True
            left = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for instance, run_id, job_name, _ in left:
            _end_unstarted(
                instance,
                run_id,
                job_name,
                failed=False,
                why="Run canceled: the automation loop stopped before the run started.",
            )
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        return not self.running

    # ------------------------------------------------------------------ the worker
    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                instance, run_id, job_name, execute = self._queue.popleft()
                self.current = run_id
            try:
                self._execute(instance, run_id, job_name, execute)
            finally:
                with self._cond:
                    self.current = None

    def _execute(
        self, instance: DagsterInstance, run_id: str, job_name: str, fn: Callable[[], Any]
    ) -> None:
        self.started_runs += 1
        try:
            fn()  # user errors are recorded by the executor (raise_on_error=False)
        except BaseException as e:  # noqa: BLE001 - the run must not stay QUEUED / STARTED
            _end_unstarted(
                instance,
                run_id,
                job_name,
                failed=True,
                why=f"The automation loop could not run it:\n{traceback.format_exc()}",
            )
            if not isinstance(e, Exception):
                raise
