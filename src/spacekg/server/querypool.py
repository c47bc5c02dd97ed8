"""Query worker processes a supervisor can stop: a process pool with a watchdog.

``spacekg serve`` on the embedded store (read-only, the public endpoint) runs every query that
comes from outside the server — ``/sparql``, the browser's ``/query`` page, the reconciliation
service — in one of N worker processes (``--workers``), never in the HTTP process:

- each worker opens the store itself (read-only on disk, or loads the ``--data`` files), sets
  its own memory limit with :func:`resource.setrlimit` (``RLIMIT_DATA``: heap and private
  writable mappings, ``--worker-memory-mb``; ``RLIMIT_AS`` would also count the address space
  RocksDB and the allocator reserve without using it, and stop the store's own threads) and
  runs one query at a time on a thread with a 64 MiB stack;
- the supervisor (this module, in the HTTP process) hands a query to an idle worker over a
  pipe and waits at most the query timeout. Past it, the worker is killed (``SIGKILL``) and a
  new one started; the client gets 503. A worker that dies (out of memory: the allocator
  aborts; a crash in the engine) answers its request with 503 and is replaced. A worker whose
  query runs longer than ``slow_after`` seconds (0.5) is lowered in CPU priority (nice 10), so short
  queries keep their share of the cores during an attack; after that query it gets its
  priority back when the server may raise priorities (root), else it is replaced;
  every worker is replaced after ``max_tasks`` queries (memory the engine keeps);
- workers are started from a fork server (:mod:`multiprocessing`, ``forkserver``) that has
  imported the modules: no threads, no open store, nothing of the HTTP process's state.

SERVICE calls made by the engine have no HTTP timeout of their own (pyoxigraph 0.5 exposes
none): they are bounded by the query timeout, when the worker is killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: stack of the thread a worker runs queries on (the engine's parser and evaluator recurse)
QUERY_STACK = 64 << 20
#: niceness of a worker whose query runs longer than ``slow_after``
SLOW_NICE = 10


class QueryStopped(Exception):
    """A query was stopped (timeout, memory limit, crash of its worker): HTTP 503."""


@dataclass
class TableResult:
    """What the browser's query page shows: ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE),
    ``variables``, ``rows`` (lists of rdflib terms or ``None``), ``total`` (rows counted, at most
    the row cap), ``truncated`` (more rows than the cap) and ``boolean`` (ASK)."""

    form: str
    variables: list
    rows: list
    total: int = 0
    truncated: bool = False
    boolean: bool | None = None


# ------------------------------------------------------------------ the work (any process)


def table(store, query: str, max_rows: int | None, show: int, deadline) -> TableResult:
    """Run a query for the browser's results table: at most ``show`` rows kept, rows counted up
    to ``max_rows``.

    Raises:
        QueryError: syntax/evaluation error. R.QueryTimeout: past the deadline.
    """
    from spacekg.server.store import to_rdflib

    raw = store.execute(query, checked=True)
    if raw.kind == "boolean":
        return TableResult("ASK", [], [], boolean=bool(raw.boolean))
    if raw.kind == "solutions":
        names = list(raw.variables)
        it, form = raw.rows, "SELECT"
    else:
        names = ["subject", "predicate", "object"]
        it, form = ((t.subject, t.predicate, t.object) for t in raw.triples), "CONSTRUCT"
    rows, n, truncated = [], 0, False
    for row in it:
        if max_rows is not None and n >= max_rows:
            truncated = True
            break
        n += 1
        if len(rows) < show:
            rows.append([to_rdflib(row[i]) for i in range(len(names))])
        if n % 256 == 0:
            deadline.check()
    if form == "CONSTRUCT":
        rows.sort(key=lambda r: tuple(str(t) for t in r))
    return TableResult(form, names, rows, total=n, truncated=truncated)


def select(store, query: str, bindings, max_rows: int | None, base: str | None, deadline):
    """Run a SELECT with bindings; a :class:`~spacekg.server.policy.SelectResult`."""
    from spacekg.server.policy import SelectResult
    from spacekg.server.store import QueryError, to_rdflib

    raw = store.execute(query, bindings=bindings, base_iri=base, checked=True)
    if raw.kind != "solutions":
        raise QueryError("not a SELECT query")
    names = list(raw.variables)
    out, truncated = [], False
    for row in raw.rows:
        if max_rows is not None and len(out) >= max_rows:
            truncated = True
            break
        out.append({n: to_rdflib(row[i]) for i, n in enumerate(names) if row[i] is not None})
        if len(out) % 256 == 0:
            deadline.check()
    return SelectResult(names, out, truncated)


def _handle(store, policy, task):
    """Run one task in a worker; ``("ok", value)`` or ``("error", status, message)``."""
    from spacekg.server import results as R
    from spacekg.server.sparql import ProtocolError, produce_answer, protocol_error

    kind, args = task
    deadline = R.Deadline(policy.timeout)
    try:
        if kind == "answer":
            query, base = args[0], args[5]
            decoded = policy.check_query(query, base)
            try:
                return ("ok", produce_answer(store, *args, policy.timeout, policy.max_rows, deadline))
            except Exception as exc:
                raise protocol_error(exc, "SERVICE" in decoded.upper()) from None
        if kind == "select":
            query, bindings, max_rows, base = args
            policy.check_query(query, base)
            return ("ok", select(store, query, bindings, max_rows, base, deadline))
        if kind == "table":
            query, max_rows, show = args
            policy.check_query(query)
            return ("ok", table(store, query, max_rows, show, deadline))
        raise ValueError(f"unknown task {kind!r}")
    except ProtocolError as exc:
        return ("error", exc.status, exc.message)
    except Exception as exc:
        try:
            perr = protocol_error(exc)
        except Exception:
            log.exception("query worker: internal error")
            return ("error", 500, "internal server error (logged on the server)")
        return ("error", perr.status, perr.message)


def _worker_main(conn, config: dict) -> None:
    """Entry point of a worker process (see the module docstring)."""
    import resource

    from spacekg.server.policy import policy_from_config
    from spacekg.server.store import open_store

    # an allocation failure aborts the worker at once: no backtrace symbolised for seconds first
    os.environ["RUST_BACKTRACE"] = "0"
    policy = policy_from_config(config)
    if policy.memory_mb:
        limit = policy.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    store = open_store(config)

    def loop():
        conn.send(("ready", os.getpid()))
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None:
                return
            try:
                result = _handle(store, policy, task)
            except MemoryError:
                result = ("error", 503, "the query was stopped: it needed more memory than this "
                                        f"server allows ({policy.memory_mb} MiB per query)")
            conn.send(result)

    threading.stack_size(QUERY_STACK)
    t = threading.Thread(target=loop, name="query")
    t.start()
    t.join()
    os._exit(0)


# ------------------------------------------------------------------ the supervisor


class _Worker:
    def __init__(self, ctx, config):
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, config), daemon=True,
                                name="spacekg-query")
        self.proc.start()
        child.close()
        self.conn = parent
        self.tasks = 0
        self.slow = False

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise RuntimeError("a query worker did not start in time")
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            raise RuntimeError(f"a query worker failed to start (exit code {self.proc.exitcode})") from None
        assert msg[0] == "ready"

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError, ValueError):
            pass
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    """N query worker processes and their supervisor (see the module docstring).

    Args:
        config: the app configuration (store, limits, allow-list), as a plain dict.
        size: number of workers.
        max_tasks: queries a worker runs before it is replaced.
        slow_after: seconds after which a running query's worker is lowered in priority.
        start_timeout: seconds a worker may take to open the store.
    """

    def __init__(self, config: dict, size: int, *, max_tasks: int = 1000, slow_after: float = 0.5,
                 start_timeout: float = 300.0):
        from spacekg.server.policy import policy_from_config

        self.config = dict(config)
        self.policy = policy_from_config(self.config)
        self.size = size
        self.max_tasks = max_tasks
        self.slow_after = slow_after
        self.start_timeout = start_timeout
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(["spacekg.server.querypool", "spacekg.server.sparql",
                                         "spacekg.server.store", "spacekg.server.policy",
                                         "rdflib.plugins.sparql.parser"])
        self.idle: queue.Queue = queue.Queue()
        self.closed = False
        self.stats = {"killed": 0, "died": 0, "recycled": 0}
        self.pids: set[int] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers and wait until each has opened the store.

        Raises:
            RuntimeError: a worker could not start (its error is on stderr).
        """
        workers = [_Worker(self.ctx, self.config) for _ in range(self.size)]
        for w in workers:
            w.wait_ready(self.start_timeout)
            self._put(w)

    def _put(self, w: _Worker) -> None:
        with self._lock:
            self.pids.add(w.proc.pid)
        self.idle.put(w)

    def _replace(self, w: _Worker, reason: str) -> None:
        """Kill ``w`` and start its replacement in the background."""
        self.stats[reason] += 1
        with self._lock:
            self.pids.discard(w.proc.pid)
        w.kill()
        if self.closed:
            return

        def spawn():
            for attempt in range(5):
                try:
                    nw = _Worker(self.ctx, self.config)
                    nw.wait_ready(self.start_timeout)
                except Exception as exc:  # noqa: BLE001 - retried, then logged
                    log.error("query worker restart failed (%s); attempt %d", exc, attempt + 1)
                    time.sleep(1 + attempt)
                    continue
                if self.closed:
                    nw.kill()
                else:
                    self._put(nw)
                return

        threading.Thread(target=spawn, name="query-worker-restart", daemon=True).start()

    def run(self, kind: str, args: tuple):
        """Run one task on a worker under the policy's timeout.

        Returns:
            The task's value.

        Raises:
            QueryStopped: timeout, no worker free within the timeout, or the worker died.
            spacekg.server.sparql.ProtocolError: the worker's answer was an error.
        """
        from spacekg.server.sparql import ProtocolError

        timeout = self.policy.timeout
        t0 = time.monotonic()
        try:
            w = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryStopped(f"all query workers are busy (waited {timeout:g} s); try again later") from None
        remaining = None if timeout is None else max(0.05, timeout - (time.monotonic() - t0))
        try:
            w.conn.send((kind, args))
            w.tasks += 1
            if not w.conn.poll(min(self.slow_after, remaining) if remaining else self.slow_after):
                try:
                    os.setpriority(os.PRIO_PROCESS, w.proc.pid, SLOW_NICE)
                    w.slow = True
                except OSError:
                    pass
                left = None if remaining is None else max(0.0, remaining - self.slow_after)
                if not w.conn.poll(left):
                    self._replace(w, "killed")
                    raise QueryStopped(f"query stopped after {timeout:g} s (the server's limit); "
                                       "narrow the query or add a LIMIT")
            result = w.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            w.proc.join(0.5)
            code = w.proc.exitcode
            self._replace(w, "died")
            mem = f" ({self.policy.memory_mb} MiB per query worker)" if self.policy.memory_mb else ""
            raise QueryStopped("the query was stopped: it needed more memory than this server "
                               f"allows{mem} or crashed its worker (exit {code}); the server goes on") from None
        if w.slow:
            try:  # back to normal priority: allowed to root (CAP_SYS_NICE) only, else replaced
                os.setpriority(os.PRIO_PROCESS, w.proc.pid, 0)
                w.slow = False
            except OSError:
                pass
        if w.slow or w.tasks >= self.max_tasks:
            self._replace(w, "recycled")
        else:
            self.idle.put(w)
        if result[0] == "ok":
            return result[1]
        raise ProtocolError(result[1], result[2])

    def answer(self, args: tuple):
        """:func:`spacekg.server.sparql.answer_query` in a worker: ``(headers, body)``.

        Raises:
            spacekg.server.sparql.ProtocolError: any refusal or failure (503 when stopped).
        """
        from spacekg.server.sparql import ProtocolError

        try:
            return self.run("answer", args)
        except QueryStopped as exc:
            raise ProtocolError(503, str(exc)) from None

    def worker_pids(self) -> list[int]:
        """PIDs of the live workers (for monitoring and tests)."""
        with self._lock:
            return sorted(self.pids)

    def close(self) -> None:
        """Stop every worker."""
        self.closed = True
        while True:
            try:
                w = self.idle.get_nowait()
            except queue.Empty:
                break
            w.kill()


def query_pool(app) -> QueryPool | None:
    """The app's :class:`QueryPool`, or ``None`` when queries run in this process (tests,
    servers with updates, remote stores)."""
    return app.extensions.get("spacekg_pool")


def start_pool(app, size: int) -> QueryPool:
    """Start ``size`` query workers for ``app`` (``spacekg serve``).

    Raises:
        RuntimeError: a worker could not open the store.
    """
    config = {k: v for k, v in app.config.items() if k.startswith("SPACEKG_")}
    if config.get("SPACEKG_STORE_DIR") or not config.get("SPACEKG_DATA"):
        config["SPACEKG_READ_ONLY"] = True
    pool = QueryPool(config, size)
    pool.start()
    app.extensions["spacekg_pool"] = pool
    return pool


def _in_process(app, fn):
    """Run ``fn(store, deadline)`` in the app's query threads under the policy's timeout."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from spacekg.server import results as R
    from spacekg.server.policy import query_policy
    from spacekg.server.sparql import executor
    from spacekg.server.store import get_store

    pol = query_policy(app)
    deadline = R.Deadline(pol.timeout)
    store = get_store(app)

    def work():
        try:
            return fn(store, deadline)
        except Exception as exc:
            exc.__context__ = exc.__cause__ = None
            raise exc.with_traceback(None) from None

    future = executor(app).submit(work)
    try:
        return future.result(timeout=pol.timeout)
    except FutureTimeout:
        deadline.cancelled = True
        raise QueryStopped(str(R.QueryTimeout(pol.timeout))) from None
    except R.QueryTimeout as exc:
        raise QueryStopped(str(exc)) from None


def _via_pool(app, kind, args):
    from spacekg.server.policy import PolicyError
    from spacekg.server.sparql import ProtocolError
    from spacekg.server.store import QueryError

    try:
        return query_pool(app).run(kind, args)
    except ProtocolError as exc:
        if exc.status == 403:
            raise PolicyError(403, exc.message) from None
        if exc.status == 503:
            raise QueryStopped(exc.message) from None
        raise QueryError(exc.message.removeprefix("bad query: ")) from None


def run_select_task(app, query: str, bindings, max_rows: int | None, base: str | None):
    """:func:`spacekg.server.policy.run_select` after the checks: in a worker, or in this process."""
    if query_pool(app) is not None:
        return _via_pool(app, "select", (query, bindings, max_rows, base))
    return _in_process(app, lambda st, dl: select(st, query, bindings, max_rows, base, dl))


def run_table(app, query: str, show: int = 1000) -> TableResult:
    """Run a user's query for the browser's results table under the app's whole policy.

    Raises:
        PolicyError: refused (400/403). QueryStopped: timeout/memory/crash (503).
        QueryError: syntax or evaluation error.
    """
    from spacekg.server.policy import query_policy

    pol = query_policy(app)
    if query_pool(app) is not None:
        return _via_pool(app, "table", (query, pol.max_rows, show))
    pol.check_query(query)
    return _in_process(app, lambda st, dl: table(st, query, pol.max_rows, show, dl))
