"""Benchmark `infucode code` on a synthetic dump: notes/s for 1 and 2 workers and Spark local[2], peak memory,
and how the time per note grows with note length (1x, 10x, 50x a typical note).

Every measurement runs in its own child process (``--_measure``), so that the peak RSS reported is that run's
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest single process of the run: the main
process or a worker). Wall time includes loading the pipeline (a few seconds per process), so rates on small
dumps understate the steady state; ``steady notes/s`` subtracts a separately measured load time (shown only
when the run is long enough for that to mean something). Length scaling is timed inside one process after
the pipeline is loaded (``--_scale``).

Usage:
    python scripts/bench_batch.py                  # 2,000 notes (quick)
    python scripts/bench_batch.py --n 200000       # the full-size dump of issue #5
    python scripts/bench_batch.py --n 5000 --no-spark --report bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_synthetic_dump  # noqa: E402


def _measure(cmd: list[str]) -> int:
    """Run ``cmd``; print wall seconds and the peak RSS of its largest process as JSON on stdout."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rc": proc.returncode, "wall_s": wall, "peak_rss_mb": peak_kb / 1024,
                      "stderr_tail": proc.stderr[-400:] if proc.returncode else ""}))
    return 0


def _scale(path: str) -> int:
    """Load the pipeline, then time ``process_many`` over the notes of ``path``; print JSON."""
    from infucode.pipeline.runner import NotePipeline

    records = [json.loads(line) for line in open(path, encoding="utf-8")]
    pipe = NotePipeline()
    list(pipe.process_many(records[:2]))  # warm up
    t0 = time.perf_counter()
    out = list(pipe.process_many(records))
    busy = time.perf_counter() - t0
    chars = sum(len(r["text"]) for r in records)
    print(json.dumps({"notes": len(records), "ok": sum(o["status"] == "ok" for o in out), "busy_s": busy,
                      "mean_chars": chars / len(records), "ms_per_note": 1000 * busy / len(records),
                      "chars_per_s": chars / busy,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    return 0


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--_measure", "--", *cmd], capture_output=True, text=True,
                         env=env, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{res['stderr_tail']}")
    return res


def load_time() -> float:
    code = ("import time; t=time.perf_counter(); from infucode.pipeline.runner import NotePipeline; "
            "NotePipeline(); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def cli(inp: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "infucode.pipeline.batch", str(inp), "-o", str(out), "-q",
            "--workers", str(workers)]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_scale"]:
        return _scale(argv[1])
    if argv[:1] == ["--_measure"]:
        return _measure(argv[2:] if argv[1:2] == ["--"] else argv[1:])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000, help="notes in the main dump (issue #5 size: 200000)")
    p.add_argument("--length-n", type=int, default=200, help="notes per length-scaling dump (1x/10x)")
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--workdir", default=None)
    p.add_argument("--report", default=None, help="also write the results as JSON here")
    args = p.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="infucode-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"n": args.n, "cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}

    dump = work / "dump.jsonl"
    t = time.perf_counter()
    make_synthetic_dump.write_dump(dump, args.n)
    results["dump_mb"] = dump.stat().st_size / 1e6
    results["make_dump_s"] = time.perf_counter() - t
    load = load_time()
    results["pipeline_load_s"] = load
    rows = []
    for workers in (1, 2):
        r = measure(cli(dump, work / f"out_w{workers}.jsonl", workers))
        steady = args.n / (r["wall_s"] - load) if r["wall_s"] > 2 * load else None
        rows.append({"run": f"cli --workers {workers}", **r, "notes_per_s": args.n / r["wall_s"],
                     "steady_notes_per_s": steady})
    same = (work / "out_w1.jsonl").read_bytes() == (work / "out_w2.jsonl").read_bytes()
    results["workers_output_identical"] = same
    if not args.no_spark:
        pq_dump = work / "dump.parquet"
        make_synthetic_dump.write_dump(pq_dump, args.n)
        env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
        r = measure([sys.executable, "-m", "infucode.pipeline.spark", "--master", "local[2]", "--input",
                     str(pq_dump), "--output", str(work / "spark_out"), "--output-format", "jsonl"], env=env)
        rows.append({"run": "spark local[2]", **r, "notes_per_s": args.n / r["wall_s"],
                     "steady_notes_per_s": None})
    results["throughput"] = rows

    scaling = []
    for mult in (1, 10, 50):
        n = args.length_n if mult < 50 else max(20, args.length_n // 5)
        path = work / f"len{mult}.jsonl"
        make_synthetic_dump.write_dump(path, n, seed=3, length=mult)
        out = subprocess.run([sys.executable, __file__, "--_scale", str(path)], capture_output=True,
                             text=True, check=True)
        scaling.append({"length": f"{mult}x", **json.loads(out.stdout.strip().splitlines()[-1])})
    results["length_scaling"] = scaling
    results["loadavg_end"] = os.getloadavg()

    print(f"dump: {args.n:,} notes, {results['dump_mb']:.1f} MB; pipeline load {load:.1f} s; "
          f"load average {results['loadavg_start'][0]:.1f} at start on {results['cpus']} CPUs")
    print(f"{'run':<18}{'wall s':>9}{'notes/s':>10}{'steady/s':>10}{'peak MB':>10}")
    for r in rows:
        steady = f"{r['steady_notes_per_s']:.1f}" if r["steady_notes_per_s"] else "-"
        print(f"{r['run']:<18}{r['wall_s']:>9.1f}{r['notes_per_s']:>10.1f}{steady:>10}{r['peak_rss_mb']:>10.0f}")
    print(f"1 vs 2 workers output byte-identical: {same}")
    print(f"{'length':<8}{'notes':>7}{'chars':>9}{'ms/note':>10}{'chars/s':>11}{'peak MB':>9}")
    for s in scaling:
        print(f"{s['length']:<8}{s['notes']:>7}{s['mean_chars']:>9.0f}{s['ms_per_note']:>10.1f}"
              f"{s['chars_per_s']:>11.0f}{s['peak_rss_mb']:>9.0f}")
    if args.report:
        Path(args.report).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
