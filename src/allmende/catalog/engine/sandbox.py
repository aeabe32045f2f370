"""User SQL in worker processes that the operating system limits.

DuckDB checks its interrupt between vectors, not inside a function, and its
memory limit does not govern string and list heaps: one ``levenshtein`` of two
long strings or one ``list_sort`` of a huge list runs and grows past every
limit DuckDB itself sets.  So user SQL runs in a small pool of worker
processes.  Each worker limits its address space (``RLIMIT_AS``) when it
starts and its CPU time (``RLIMIT_CPU``) before each query; the caller waits
for the answer until the deadline and kills the worker when it overruns.  A
killed worker is replaced at once, so that its start (a fresh interpreter that
imports the engine, about a second) does not delay the next query.  Workers
start on first use and are kept for the next queries, each with the databases
it has opened.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb

from . import errors, storage
from .resource import _READ_CONFIG, Resource
from .sql import SqlLimits, SqlResult, check_statement, run_sql

# Time a worker has after the query's own timeout (which DuckDB honours when
# it can) before it is killed.
GRACE_SECONDS = 1.0
# How long a query waits for a free worker before it is refused.
WAIT_FOR_WORKER_SECONDS = 1.0
# Databases a worker keeps open.
OPEN_DATABASES = 8
_M_ARENA_MAX = -8


def _memory_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


# --- worker side ------------------------------------------------------------------


def _address_space() -> int | None:
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return None


def _warm_up() -> None:
    """Run one query on a database file, as a request would, so that what
    DuckDB and the allocator set up once per process is there before the
    first limit is measured."""
    with contextlib.suppress(OSError, AttributeError):
        # One malloc arena per thread reserves 64 MB of address space each.
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
    with tempfile.TemporaryDirectory(prefix="sql-worker-") as directory:
        path = str(Path(directory) / "warm.duckdb")
        with duckdb.connect(path) as writer:
            writer.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
        with duckdb.connect(path, read_only=True, config=dict(_READ_CONFIG)) as con:
            timer = threading.Timer(60, con.interrupt)
            timer.start()
            con.cursor().execute("SELECT sum(i) FROM t").fetchall()
            timer.cancel()


def _limit_memory(memory_bytes: int) -> None:
    """Allow the next query ``memory_bytes`` of address space beyond what the
    worker holds now (its open databases included); the soft limit is set
    again before each query."""
    base = _address_space()
    if base is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = base + memory_bytes
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _limit_cpu(timeout_seconds: float) -> None:
    """CPU time for one more query: every DuckDB thread at full speed until
    the deadline, and a little more (SIGXCPU ends the worker after that)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    budget = math.ceil(used + (timeout_seconds + GRACE_SECONDS) * 2) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (budget, hard))


def worker_main(fd: int, memory_bytes: int) -> None:
    """A worker process's entry: serve the socket ``fd`` until it closes."""
    _serve(Connection(fd), memory_bytes)


def _serve(conn: Connection, memory_bytes: int) -> None:
    """The worker's loop: one query at a time, until the socket closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_up()
    opened: OrderedDict[tuple[str, int, int], Resource] = OrderedDict()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            version_dir, sql, limits = conn.recv()
        except (EOFError, OSError):
            return
        _limit_cpu(limits.timeout_seconds)
        try:
            paths = storage.ResourcePaths.of(Path(version_dir))
            # A directory may hold another file later (a resource deleted
            # and its number given again): the file's identity is the key.
            stat = paths.database.stat()
            key = (version_dir, stat.st_ino, stat.st_mtime_ns)
            table = opened.get(key)
            if table is None:
                table = Resource(paths)
                opened[key] = table
                if len(opened) > OPEN_DATABASES:
                    opened.popitem(last=False)[1].close()
            opened.move_to_end(key)
            _limit_memory(memory_bytes)
            answer: tuple[str, Any] = ("ok", run_sql(table, sql, limits=limits))
        except errors.SqlMemoryError:
            answer = (
                "error",
                ("SqlMemoryError", {"limit": _memory_text(memory_bytes)}),
            )
        except errors.EngineError as exc:
            answer = ("error", (type(exc).__name__, dict(exc.params)))
        except FileNotFoundError:
            answer = ("error", ("ResourceNotReadyError", {}))
        except MemoryError:
            answer = (
                "error",
                ("SqlMemoryError", {"limit": _memory_text(memory_bytes)}),
            )
        except Exception as exc:  # noqa: BLE001 - the answer names the failure
            answer = ("error", ("SqlError", {"detail": type(exc).__name__}))
        # Room to send the answer (at most max_result_bytes) and open the
        # next database; the next query is limited again.
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        conn.send(answer)


# --- caller side ------------------------------------------------------------------


class _Worker:
    """One worker: a fresh interpreter (not a fork of the web process, whose
    threads and open databases a fork would copy), reached over a socket."""

    def __init__(self, memory_bytes: int) -> None:
        mine, theirs = socket.socketpair()
        code = (
            "import sys; from allmende.catalog.engine.sandbox import worker_main; "
            "worker_main(int(sys.argv[1]), int(sys.argv[2]))"
        )
        environment = dict(os.environ)
        # The same modules as this process, wherever they were found.
        environment["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter
                [sys.executable, "-c", code, str(theirs.fileno()), str(memory_bytes)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environment,
                close_fds=True,
            )
        finally:
            theirs.close()
        self.conn = Connection(mine.detach())
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready and self.conn.poll(timeout):
            try:
                self.ready = self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def exit_code(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(1)
        return self.process.returncode

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.conn.close()


class SqlPool:
    """A pool of at most ``workers`` SQL worker processes."""

    def __init__(self, *, workers: int, memory_bytes: int) -> None:
        self.size = max(1, workers)
        self.memory_bytes = memory_bytes
        self._idle: list[_Worker] = []
        self._count = 0
        self._changed = threading.Condition()

    def run(self, version_dir: Path, sql: str, limits: SqlLimits) -> SqlResult:
        """Run ``sql`` over the resource version in ``version_dir``."""
        check_statement(sql, limits)
        worker = self._acquire()
        healthy = False
        try:
            answer = self._ask(worker, version_dir, sql, limits)
            healthy = True
        finally:
            self._release(worker, healthy=healthy)
        kind, payload = answer
        if kind == "ok":
            result: SqlResult = payload
            return result
        name, params = payload
        error_class = getattr(errors, name, errors.SqlError)
        raise error_class(**params)

    def _ask(
        self, worker: _Worker, version_dir: Path, sql: str, limits: SqlLimits
    ) -> tuple[str, Any]:
        started = time.monotonic()
        deadline = started + limits.timeout_seconds + GRACE_SECONDS
        if not worker.wait_ready(max(deadline - time.monotonic(), 0) + 10):
            raise errors.SqlBusyError()
        try:
            worker.conn.send((str(version_dir), sql, limits))
            if worker.conn.poll(max(deadline - time.monotonic(), 0)):
                answer: tuple[str, Any] = worker.conn.recv()
                return answer
        except (EOFError, OSError):
            # The worker ended: the operating system stopped it at a limit.
            if worker.exit_code() == -signal.SIGXCPU:
                raise errors.SqlTimeoutError(seconds=limits.timeout_seconds) from None
            raise errors.SqlMemoryError(limit=_memory_text(self.memory_bytes)) from None
        raise errors.SqlTimeoutError(seconds=limits.timeout_seconds)

    def _acquire(self) -> _Worker:
        wait_until = time.monotonic() + WAIT_FOR_WORKER_SECONDS
        with self._changed:
            while True:
                while self._idle:
                    # A warm worker first; one still starting is waited for.
                    ready = [w for w in self._idle if w.ready]
                    worker = ready[-1] if ready else self._idle[-1]
                    self._idle.remove(worker)
                    if worker.alive():
                        return worker
                    self._count -= 1
                    worker.kill()
                if self._count < self.size:
                    self._count += 1
                    break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    raise errors.SqlBusyError()
                self._changed.wait(remaining)
        try:
            return _Worker(self.memory_bytes)
        except BaseException:
            with self._changed:
                self._count -= 1
                self._changed.notify()
            raise

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        if not healthy or not worker.alive():
            worker.kill()
            try:
                # The replacement starts now, while no query waits for it.
                worker = _Worker(self.memory_bytes)
            except OSError:
                with self._changed:
                    self._count -= 1
                    self._changed.notify()
                return
        with self._changed:
            self._idle.append(worker)
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.kill()


_pools: dict[tuple[int, int], SqlPool] = {}
_pools_lock = threading.Lock()


def pool(*, workers: int, memory_bytes: int) -> SqlPool:
    """The process's pool for these limits (created on first use)."""
    key = (workers, memory_bytes)
    with _pools_lock:
        found = _pools.get(key)
        if found is None:
            found = _pools[key] = SqlPool(workers=workers, memory_bytes=memory_bytes)
        return found


def run_sandboxed(
    table: Resource,
    sql: str,
    *,
    limits: SqlLimits,
    workers: int = 2,
    memory_bytes: int = 512 * 1024 * 1024,
) -> SqlResult:
    """Run one user SELECT over ``table`` in a limited worker process."""
    return pool(workers=workers, memory_bytes=memory_bytes).run(
        table.paths.version_dir, sql, limits
    )


def close_pools() -> None:
    """End every idle worker of this process (tests, shutdown)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for each in pools:
        each.close()
