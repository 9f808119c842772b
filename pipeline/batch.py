"""``infucode code``: code a dump of notes (JSONL, CSV, Parquet, folder of .txt) into claim lines.

::

    infucode code INPUT [-o OUTPUT] [--setting facility|professional] [--columns id=ROW_ID,text=TEXT,...]
                  [--workers N] [--resume] [--checkpoint-every N] [--quiet]

Streaming: input is read record by record, output is written in chunks; memory does not grow with the size
of the dump. Order of output = order of input, also with ``--workers N`` (N processes, each loading the
pipeline once).

Resumable runs (``-o`` given): results go first to part files in a work folder beside the output
(``.OUTPUT.infucode-run/``): each chunk of notes is written to ``part-NNNNNN.jsonl.tmp``, fsynced, renamed,
and then recorded in ``journal.jsonl`` (fsynced). After ``kill -9``, Ctrl-C or a reboot,
``infucode code ... --resume`` checks that the input and options are unchanged, keeps the committed chunks,
skips those notes in the input and goes on. The final OUTPUT is assembled from the parts under a temporary
name and renamed into place, so it is never truncated, and every input note is in it exactly once. Without
``--resume`` a left-over work folder is discarded and the run starts from the beginning. A lock file
(``.OUTPUT.infucode-lock``) keeps two runs from writing the same OUTPUT at once.

Per-note problems (bad JSON line, invalid UTF-8, missing text, empty text, binary data, a note too large, an
exception in the pipeline, even a worker process crash) become one ``status: "error"`` record with the note id
(or ``line:N`` when the record has none) and never the note text. Exit status is 0 when every note was
processed; 2 for bad arguments or an unreadable input; 130 when interrupted (resume with ``--resume``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import Any

from infucode import __version__
from infucode.pipeline.io import InputFormatError, InputItem, open_input, open_output, output_format
from infucode.pipeline.io.atomic import AtomicFile, fsync_dir, write_atomic
from infucode.pipeline.io.jsonl_format import JsonlWriter, dumps
from infucode.pipeline.io.records import input_problem, parse_columns
from infucode.pipeline.progress import Progress, RunStats

log = logging.getLogger(__name__)

#: Default factory: ``module:callable`` taking the default setting and returning a pipeline object with
#: ``process_many(records)`` (and/or ``process(record)``).
DEFAULT_FACTORY = "infucode.pipeline.runner:NotePipeline"
JOURNAL_VERSION = 1
SETTINGS = ("facility", "professional")


# ---------------------------------------------------------------------------------------------------------
# per-note work (runs in the main process or in worker processes)
# ---------------------------------------------------------------------------------------------------------
def load_factory(spec: str | Callable[..., Any]) -> Callable[..., Any]:
    """Resolve ``"package.module:callable"`` (or return a callable as is)."""
    if callable(spec):
        return spec
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"pipeline factory must look like 'module:callable', got {spec!r}")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def error_output(item: InputItem, err_type: str, message: str, setting: str) -> dict[str, Any]:
    """Build the error output record of an input item (never contains note text)."""
    from infucode.pipeline.runner import NoteError, error_record

    rec = error_record(item.record or {}, NoteError(err_type, message), setting)
    if rec.get("id") is None:
        rec["id"] = item.fallback_id
    return rec


def process_items(pipeline: Any, items: list[InputItem], setting: str) -> list[dict[str, Any]]:
    """Turn input items into output records, one per item, in order.

    Items that are already known to be bad (read errors, empty text) never reach the pipeline. The pipeline's
    ``process_many`` is used for the rest (it batches the spaCy step); if it fails or returns the wrong
    number of records, notes are redone one at a time so that one bad note cannot take others down.
    """
    out: list[dict[str, Any] | None] = [None] * len(items)
    todo: list[int] = []
    for i, item in enumerate(items):
        if item.error is not None:
            out[i] = error_output(item, item.error[0], item.error[1], setting)
            continue
        problem = input_problem(item.record or {})
        if problem is not None:
            out[i] = error_output(item, problem[0], problem[1], setting)
            continue
        todo.append(i)
    if todo:
        records = [items[i].record for i in todo]
        results: list[dict[str, Any]] | None = None
        if hasattr(pipeline, "process_many"):
            try:
                results = list(pipeline.process_many(records))
            except Exception as exc:  # fall back to one note at a time
                log.warning("batch of %d notes failed (%s); retrying one at a time", len(records),
                            type(exc).__name__)
                results = None
            if results is not None and len(results) != len(records):
                log.warning("pipeline returned %d records for %d notes; retrying one at a time",
                            len(results), len(records))
                results = None
        if results is None:
            results = []
            for i in todo:
                try:
                    results.append(pipeline.process(items[i].record))
                except Exception as exc:
                    results.append(error_output(items[i], "internal_error",
                                                f"{type(exc).__name__} while processing the note", setting))
        for i, res in zip(todo, results, strict=True):
            if not isinstance(res, dict):
                res = error_output(items[i], "internal_error", "pipeline returned no record", setting)
            elif res.get("id") is None:
                res["id"] = items[i].fallback_id
            out[i] = res
    return [r for r in out if r is not None]


_WORKER: dict[str, Any] = {}


def _init_worker(factory: str | Callable[..., Any], setting: str) -> None:
    """Worker initializer: load the pipeline once per process."""
    # Ctrl-C reaches the whole process group: only the main process handles it (commit, then exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="infucode worker %(process)d: %(message)s")
    _WORKER["pipeline"] = load_factory(factory)(setting)
    _WORKER["setting"] = setting


def _worker_process(items: list[InputItem]) -> list[dict[str, Any]]:
    return process_items(_WORKER["pipeline"], items, _WORKER["setting"])


def _worker_ready() -> bool:
    return "pipeline" in _WORKER


class LocalRunner:
    """Run tasks in this process with one pipeline."""

    def __init__(self, factory: str | Callable[..., Any], setting: str) -> None:
        self.pipeline = load_factory(factory)(setting)
        self.setting = setting

    def map(self, tasks: Iterable[list[InputItem]]) -> Iterator[list[dict[str, Any]]]:
        """Yield the output records of each task, in order."""
        for task in tasks:
            yield process_items(self.pipeline, task, self.setting)

    def close(self) -> None:
        """Nothing to release."""


class PoolRunner:
    """Run tasks on ``workers`` processes, results in input order, a bounded number of tasks in flight.

    A worker that dies (segfault, out of memory) breaks the pool; the tasks that were in flight are then
    redone one note at a time on a fresh pool, and a note that kills a worker again becomes an error record
    (``worker_crashed``) instead of stopping the run.
    """

    def __init__(self, factory: str | Callable[..., Any], setting: str, workers: int,
                 start_method: str = "spawn") -> None:
        self.factory = factory
        self.setting = setting
        self.workers = workers
        self.window = workers * 2 + 1
        self.ctx = multiprocessing.get_context(start_method)
        self.pool = self._new_pool()
        try:  # fail fast (exit 1) when the pipeline cannot be built in a worker
            self.pool.submit(_worker_ready).result()
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise RuntimeError("the pipeline could not be loaded in a worker process") from None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx, initializer=_init_worker,
                                   initargs=(self.factory, self.setting))

    def _reset(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()

    def _isolate(self, task: list[InputItem]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in task:
            try:
                out.extend(self._submit([item]).result())
            except BrokenProcessPool:
                log.warning("note %s crashed a worker process", item.fallback_id)
                out.append(error_output(item, "worker_crashed",
                                        "the worker process died while processing this note", self.setting))
                self._reset()
        return out

    def _submit(self, task: list[InputItem]) -> Future:
        """Submit a task; a pool already broken by another task's crash yields a failed future."""
        try:
            return self.pool.submit(_worker_process, task)
        except BrokenProcessPool as exc:
            fut: Future = Future()
            fut.set_exception(exc)
            return fut

    def map(self, tasks: Iterable[list[InputItem]]) -> Iterator[list[dict[str, Any]]]:
        """Yield the output records of each task, in order."""
        pending: deque[tuple[list[InputItem], Future]] = deque()
        it = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.window:
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                pending.append((task, self._submit(task)))
            if not pending:
                return
            task, fut = pending.popleft()
            try:
                yield fut.result()
            except BrokenProcessPool:
                redo = [task] + [t for t, _ in pending]
                pending.clear()
                self._reset()
                for t in redo:
                    yield self._isolate(t)

    def close(self) -> None:
        """Stop the worker processes."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def make_runner(factory: str | Callable[..., Any], setting: str, workers: int) -> LocalRunner | PoolRunner:
    """One-process runner for ``workers <= 1``, else a process pool."""
    if workers <= 1:
        return LocalRunner(factory, setting)
    return PoolRunner(factory, setting, workers)


def batched(items: Iterable[InputItem], size: int) -> Iterator[list[InputItem]]:
    """Group items into lists of ``size`` (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


# ---------------------------------------------------------------------------------------------------------
# journal (resume)
# ---------------------------------------------------------------------------------------------------------
def work_dir_for(output: Path) -> Path:
    """Folder holding part files and the journal of a run writing ``output``."""
    return output.with_name(f".{output.name}.infucode-run")


def input_fingerprint(path: str) -> dict[str, Any]:
    """Identify the input cheaply so that ``--resume`` refuses a changed input."""
    p = Path(path)
    if p.is_dir():
        h = hashlib.sha256()
        n = 0
        for f in sorted(x for x in p.iterdir() if x.suffix.lower() == ".txt" and not x.name.startswith(".")):
            st = f.stat()
            h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            n += 1
        return {"path": str(p.resolve()), "kind": "folder", "files": n, "sha256": h.hexdigest()}
    st = p.stat()
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        h.update(fh.read(1 << 20))
    return {"path": str(p.resolve()), "kind": "file", "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "head_sha256": h.hexdigest()}


class Journal:
    """Append-only record of committed chunks of a run (``journal.jsonl`` in the work folder).

    Line 1 is a header (input fingerprint + options); every further line is one committed chunk
    ``{"chunk": i, "start": first_seq, "count": n, "file": name, "bytes": size, "stats": {...}}``.
    A chunk line is appended only after its part file is fsynced and renamed, so a chunk listed in the
    journal is always complete; a torn last line (crash while appending) is ignored and cut off.
    """

    def __init__(self, work_dir: Path) -> None:
        self.dir = work_dir
        self.path = work_dir / "journal.jsonl"
        self.chunks: list[dict[str, Any]] = []
        self.header: dict[str, Any] | None = None

    @property
    def next_seq(self) -> int:
        """Number of notes committed so far."""
        return sum(int(c["count"]) for c in self.chunks)

    def create(self, header: dict[str, Any]) -> None:
        """Start a new journal (the work folder must be empty or absent)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.header = {"journal": JOURNAL_VERSION, **header}
        self._rewrite()
        fsync_dir(self.dir.parent)

    def _rewrite(self) -> None:
        lines = [json.dumps(x, sort_keys=True) + "\n" for x in [self.header, *self.chunks]]
        write_atomic(self.path, "".join(lines).encode("utf-8"))

    def load(self) -> bool:
        """Read an existing journal; keep only contiguous chunks whose part file is intact.

        Returns
        -------
        bool
            False when there is no usable journal.
        """
        if not self.path.is_file():
            return False
        lines = self.path.read_bytes().split(b"\n")
        try:
            self.header = json.loads(lines[0])
        except (ValueError, IndexError):
            return False
        expected = 0
        for raw in lines[1:]:
            if not raw.strip():
                continue
            try:
                c = json.loads(raw)
            except ValueError:
                break  # torn final line
            part = self.dir / str(c.get("file"))
            if c.get("start") != expected or not part.is_file() or part.stat().st_size != c.get("bytes"):
                break
            self.chunks.append(c)
            expected += int(c["count"])
        self._rewrite()  # drop anything after the last good chunk
        keep = {c["file"] for c in self.chunks} | {"journal.jsonl"}
        for f in self.dir.iterdir():
            if f.name not in keep:
                with contextlib.suppress(OSError):
                    f.unlink()
        return True

    def commit(self, lines: list[str], stats: RunStats) -> None:
        """Write one chunk's output lines durably and record it."""
        index = len(self.chunks)
        name = f"part-{index:06d}.jsonl"
        data = "".join(lines).encode("utf-8")
        write_atomic(self.dir / name, data)
        entry = {"chunk": index, "start": self.next_seq, "count": len(lines), "file": name,
                 "bytes": len(data), "stats": stats.to_dict()}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.chunks.append(entry)

    def part_files(self) -> list[Path]:
        """Return the committed part files in order."""
        return [self.dir / c["file"] for c in self.chunks]

    def stats(self) -> RunStats:
        """Return the counts over all committed chunks."""
        total = RunStats()
        for c in self.chunks:
            total.merge(RunStats.from_dict(c.get("stats") or {}))
        return total


def _remove_stale_temps(output: Path) -> None:
    """Delete temporary output files left by an earlier run that was killed while assembling."""
    stem = output.name[: -len(".parquet")] if output.name.endswith(".parquet") else output.name
    for f in output.parent.glob(f".{stem}*.tmp-*"):
        with contextlib.suppress(OSError):
            f.unlink()


def assemble(journal: Journal, output: Path, fmt: str) -> None:
    """Write the final output from the committed part files (atomically)."""
    _remove_stale_temps(output)
    if fmt == "jsonl":
        af = AtomicFile(output, "wb")
        try:
            for part in journal.part_files():
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, af.fh, 1 << 20)
            af.commit()
        except BaseException:
            af.abort()
            raise
        return
    writer = open_output(str(output), fmt)
    try:
        for part in journal.part_files():
            with open(part, encoding="utf-8") as src:
                for line in src:
                    writer.write(json.loads(line))
        writer.close()
    except BaseException:
        writer.abort()
        raise


# ---------------------------------------------------------------------------------------------------------
# command
# ---------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``infucode code``."""
    p = argparse.ArgumentParser(
        prog="infucode code",
        description="Code drug-administration notes into CPT/HCPCS claim lines (see contract.md).",
    )
    p.add_argument("input", help=".jsonl, .csv, .parquet, a folder of .txt files, or - for JSONL on stdin")
    p.add_argument("-o", "--output", default=None,
                   help=".jsonl, .csv (one row per code line) or .parquet (notes/events/codes tables); "
                        "default: JSONL on standard output")
    p.add_argument("--setting", choices=SETTINGS, default="facility",
                   help="default setting for records without one (default: facility)")
    p.add_argument("--columns", default=None,
                   help="map contract fields to CSV/Parquet columns, e.g. id=ROW_ID,text=TEXT,"
                        "encounter_date=CHARTDATE")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (each loads the pipeline once; 0 = one per CPU); default 1")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run writing the same OUTPUT (needs -o)")
    p.add_argument("--checkpoint-every", type=int, default=500, metavar="N",
                   help="commit results to disk every N notes (and at least every 30 s); default 500")
    p.add_argument("--batch-size", type=int, default=32, metavar="N",
                   help="notes per task sent to the pipeline / a worker; default 32")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--pipeline-factory", default=DEFAULT_FACTORY, help=argparse.SUPPRESS)
    return p


def _fail(msg: str, code: int = 2) -> int:
    print(f"infucode code: error: {msg}", file=sys.stderr)
    return code


def run(args: argparse.Namespace, factory: str | Callable[..., Any] | None = None) -> int:
    """Run the command with parsed arguments; ``factory`` overrides ``--pipeline-factory``."""
    factory = factory or args.pipeline_factory
    try:
        columns = parse_columns(args.columns)
        fmt = output_format(args.output)
        reader = open_input(args.input, columns)
    except InputFormatError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read input: {exc.strerror or type(exc).__name__}")
    if args.checkpoint_every < 1 or args.batch_size < 1:
        return _fail("--checkpoint-every and --batch-size must be >= 1")
    workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
    output = None if args.output in (None, "-") else Path(args.output)
    if args.resume and output is None:
        return _fail("--resume needs -o OUTPUT (a run to standard output cannot be resumed)")
    if output is not None:
        if not output.parent.is_dir():
            return _fail(f"output folder does not exist: {output.parent}")
        if args.input != "-" and output.resolve() == Path(args.input).resolve():
            return _fail("output would overwrite the input")
    if getattr(reader, "has_text", True) is False:
        print("infucode code: warning: the input has no 'text' column; every row will be an error "
              "(use --columns text=COLUMN)", file=sys.stderr)
    # the summary and progress show counts only
    t0 = time.monotonic()
    runner: LocalRunner | PoolRunner | None = None
    try:
        try:
            runner = make_runner(factory, args.setting, workers)
        except Exception as exc:
            return _fail(f"cannot load the pipeline: {type(exc).__name__}: {exc}", 1)
        if output is None:
            stats, processed = _run_to_stdout(reader, runner, args)
        else:
            res = _run_to_file(reader, runner, args, output, fmt)
            if isinstance(res, int):
                return res
            stats, processed = res
    except KeyboardInterrupt:
        print("\ninfucode code: interrupted; committed results are kept, rerun with --resume to continue",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `infucode code notes.jsonl | head`: the reader went away
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        if runner is not None:
            runner.close()
    if not args.quiet:
        print(stats.summary(time.monotonic() - t0, processed), file=sys.stderr)
    return 0


def _progress(reader: Any, args: argparse.Namespace, already: int = 0) -> Progress:
    return Progress(total=reader.total, fraction=reader.fraction, already=already,
                    enabled=False if args.quiet else None)


def _run_to_stdout(reader: Any, runner: Any, args: argparse.Namespace) -> tuple[RunStats, int]:
    writer = JsonlWriter(sys.stdout)
    stats = RunStats()
    prog = _progress(reader, args)
    try:
        for results in runner.map(batched(reader.iter_items(0), args.batch_size)):
            for rec in results:
                writer.write(rec)
                stats.add(rec)
            writer.close()  # flush
            prog.update(len(results))
    finally:
        prog.close()
    return stats, stats.notes


def _run_to_file(reader: Any, runner: Any, args: argparse.Namespace, output: Path,
                 fmt: str) -> tuple[RunStats, int] | int:
    work = work_dir_for(output)
    lock_path = output.with_name(f".{output.name}.infucode-lock")
    lock_fh = open(lock_path, "a+b")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_fh.close()
        return _fail(f"another infucode run is writing {output} (lock {lock_path})")
    try:
        res = _run_locked(reader, runner, args, output, fmt, work)
    finally:
        lock_fh.close()
    if not isinstance(res, int):
        with contextlib.suppress(OSError):
            lock_path.unlink()
    return res


def _run_locked(reader: Any, runner: Any, args: argparse.Namespace, output: Path, fmt: str,
                work: Path) -> tuple[RunStats, int] | int:
    header = {
        "input": input_fingerprint(args.input) if args.input != "-" else {"path": "-"},
        "options": {"setting": args.setting, "columns": args.columns, "format": fmt,
                    "factory": str(args.pipeline_factory)},
        "infucode": __version__,
    }
    journal = Journal(work)
    if args.resume and journal.load():
        old = dict(journal.header or {})
        old.pop("journal", None)
        if old != json.loads(json.dumps(header)):
            return _fail("--resume: the input or the options differ from the interrupted run "
                         f"(work folder {work}); rerun without --resume to start over")
        if not args.quiet:
            print(f"infucode code: resuming after {journal.next_seq:,} committed notes", file=sys.stderr)
    else:
        if work.exists():
            if not args.quiet:
                print(f"infucode code: discarding an unfinished earlier run in {work} (use --resume to "
                      "continue it)", file=sys.stderr)
            shutil.rmtree(work)
        journal = Journal(work)
        journal.create(header)
    start = journal.next_seq
    prog = _progress(reader, args, already=start)
    lines: list[str] = []
    chunk_stats = RunStats()
    processed = 0
    last_commit = time.monotonic()
    try:
        for results in runner.map(batched(reader.iter_items(start), args.batch_size)):
            for rec in results:
                lines.append(dumps(rec))
                chunk_stats.add(rec)
            processed += len(results)
            prog.update(len(results))
            if len(lines) >= args.checkpoint_every or time.monotonic() - last_commit >= 30.0:
                journal.commit(lines, chunk_stats)
                lines, chunk_stats = [], RunStats()
                last_commit = time.monotonic()
    except KeyboardInterrupt:
        if lines:  # complete records, in order: keep them
            journal.commit(lines, chunk_stats)
        raise
    finally:
        prog.close()
    if lines:
        journal.commit(lines, chunk_stats)
    assemble(journal, output, fmt)
    stats = journal.stats()
    shutil.rmtree(work, ignore_errors=True)
    return stats, processed


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``infucode code``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(level=logging.WARNING, format="infucode: %(message)s")
    previous = signal.getsignal(signal.SIGTERM)
    try:  # `kill PID` stops like Ctrl-C: commit the finished notes, exit 130, resumable
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        previous = None
    try:
        return run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
