"""A run killed with SIGKILL mid-way and continued with --resume has every input note exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
N = 300


def _write_input(path: Path) -> list[str]:
    ids = []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(N):
            rid = f"k{i:04d}"
            ids.append(rid)
            fh.write(json.dumps({"id": rid, "text": f"ondansetron {i % 8 + 1} mg IV push\nnote {i}"}) + "\n")
            if i == 150:
                fh.write("this line is not json\n")
                ids.append("line:152")
    return ids


def _env(delay: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    env["FAKE_DELAY"] = delay
    return env


def _cmd(inp: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "infucode.pipeline.batch", str(inp), "-o", str(out),
            "--pipeline-factory", "test_batch_fakes:fake_factory", "--checkpoint-every", "10",
            "--batch-size", "5", *extra]


def _committed_chunks(out: Path) -> int:
    journal = out.with_name(f".{out.name}.infucode-run") / "journal.jsonl"
    if not journal.is_file():
        return 0
    return max(0, len(journal.read_text(encoding="utf-8").splitlines()) - 1)


def _kill_midway(cmd: list[str], out: Path, group: bool) -> None:
    proc = subprocess.Popen(cmd, env=_env("0.02"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=group)
    deadline = time.monotonic() + 120
    while _committed_chunks(out) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "run finished before it could be killed"
    if group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # no final output from an interrupted run


@pytest.mark.parametrize("workers", ["1", "2"])
def test_kill_9_then_resume_gives_each_note_exactly_once(tmp_path: Path, workers: str) -> None:
    inp = tmp_path / "notes.jsonl"
    out = tmp_path / "coded.jsonl"
    ids = _write_input(inp)
    cmd = _cmd(inp, out, "--workers", workers)
    _kill_midway(cmd, out, group=workers != "1")
    done_before = _committed_chunks(out)
    assert 5 <= done_before < N // 10
    res = subprocess.run(cmd + ["--resume"], env=_env("0"), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "resuming after" in res.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ids  # no loss, no duplicates, input order
    assert sum(r["status"] == "error" for r in records) == 1
    assert not out.with_name(f".{out.name}.infucode-run").exists()  # work folder removed at the end
    assert not list(tmp_path.glob(".*tmp-*"))


def test_without_resume_an_unfinished_run_is_discarded_and_redone(tmp_path: Path) -> None:
    inp = tmp_path / "notes.jsonl"
    out = tmp_path / "coded.csv"
    ids = _write_input(inp)
    cmd = _cmd(inp, out)
    _kill_midway(cmd, out, group=False)
    res = subprocess.run(cmd, env=_env("0"), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "discarding an unfinished earlier run" in res.stderr
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ids  # fake codes one 96374 per note: one row per note


def test_resume_refuses_a_changed_input(tmp_path: Path) -> None:
    inp = tmp_path / "notes.jsonl"
    out = tmp_path / "coded.jsonl"
    _write_input(inp)
    cmd = _cmd(inp, out)
    _kill_midway(cmd, out, group=False)
    with open(inp, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "extra", "text": "x"}) + "\n")
    res = subprocess.run(cmd + ["--resume"], env=_env("0"), capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert "differ" in res.stderr


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGINT, "2"), (signal.SIGTERM, "1")])
def test_ctrl_c_or_sigterm_commits_what_is_done_and_exits_130(tmp_path: Path, sig: int, workers: str) -> None:
    inp = tmp_path / "notes.jsonl"
    out = tmp_path / "coded.jsonl"
    ids = _write_input(inp)
    cmd = _cmd(inp, out, "--workers", workers)
    proc = subprocess.Popen(cmd, env=_env("0.02"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while _committed_chunks(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # a terminal's Ctrl-C reaches the whole process group
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "rerun with --resume" in err
    res = subprocess.run(cmd + ["--resume"], env=_env("0"), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ids


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    inp = tmp_path / "notes.jsonl"
    out = tmp_path / "coded.jsonl"
    _write_input(inp)
    cmd = _cmd(inp, out)
    proc = subprocess.Popen(cmd, env=_env("0.02"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _committed_chunks(out) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cmd + ["--resume"], env=_env("0"), capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 2
        assert "another infucode run" in second.stderr
    finally:
        proc.kill()
        proc.wait()
