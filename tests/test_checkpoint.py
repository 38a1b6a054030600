"""Resumable scoring, and runs killed half-way (SIGINT, SIGKILL) through the real CLI."""

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.checkpoint import ResumableOutput, fingerprint
from analyzer.writers import OutputExistsError, encode_rows

COLUMNS = ["id", "text"]
EXE = str(Path(sys.executable).with_name("content-analyzer"))


def test_chunks_are_assembled_in_order(tmp_path):
    dest = tmp_path / "out.csv"
    out = ResumableOutput(str(dest), "csv", COLUMNS, "d1")
    out.write_chunk(encode_rows("csv", COLUMNS, [{"id": "1", "text": "a,b"}]), 1, {"ok": 1})
    out.write_chunk(encode_rows("csv", COLUMNS, [{"id": "2", "text": "c"}]), 1, {"empty": 1})
    assert not dest.exists()
    out.close()  # the run ends (interrupted) without committing
    again = ResumableOutput(str(dest), "csv", COLUMNS, "d1")  # same job: picks up where it was
    assert again.resumed and again.rows_done == 2 and again.state["counts"] == {"ok": 1, "empty": 1, "error": 0}
    again.write_chunk(encode_rows("csv", COLUMNS, [{"id": "3", "text": "d"}]), 1, {"ok": 1})
    again.commit()
    assert list(csv.reader(dest.open())) == [COLUMNS, ["1", "a,b"], ["2", "c"], ["3", "d"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_changed_job_starts_afresh(tmp_path):
    dest = tmp_path / "out.jsonl"
    out = ResumableOutput(str(dest), "jsonl", COLUMNS, "d1")
    out.write_chunk(encode_rows("jsonl", COLUMNS, [{"id": "1", "text": "a"}]), 1, {"ok": 1})
    out.close()
    fresh = ResumableOutput(str(dest), "jsonl", COLUMNS, "d2")
    assert not fresh.resumed and fresh.rows_done == 0


def test_parquet_and_existing_destination(tmp_path):
    import pyarrow.parquet as pq

    dest = tmp_path / "out.parquet"
    out = ResumableOutput(str(dest), "parquet", COLUMNS, "d")
    out.write_chunk(encode_rows("parquet", COLUMNS, [{"id": "1", "text": "a"}]), 1, {"ok": 1})
    out.write_chunk(encode_rows("parquet", COLUMNS, [{"id": "2", "text": "b"}]), 1, {"ok": 1})
    out.commit()
    assert pq.read_table(dest).to_pylist() == [{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]
    with pytest.raises(OutputExistsError):
        ResumableOutput(str(dest), "parquet", COLUMNS, "d")


def test_damaged_state_file_starts_the_job_afresh(tmp_path):
    dest = tmp_path / "out.csv"
    folder = tmp_path / ".out.csv.resume"
    folder.mkdir()
    (folder / "state.json").write_text("[" * 100_000 + "]" * 100_000)
    out = ResumableOutput(str(dest), "csv", COLUMNS, "d1")
    assert not out.resumed and out.rows_done == 0
    out.close()


def test_second_run_while_the_job_is_in_progress_stops_at_once(tmp_path):
    from analyzer.errors import ConcurrentRunError

    dest = tmp_path / "out.csv"
    first = ResumableOutput(str(dest), "csv", COLUMNS, "d1")
    first.write_chunk(encode_rows("csv", COLUMNS, [{"id": "1", "text": "a"}]), 1, {"ok": 1})
    for digest in ("d1", "d2"):  # the same job, or another one with the same destination
        with pytest.raises(ConcurrentRunError, match="another run is working on this output right now"):
            ResumableOutput(str(dest), "csv", COLUMNS, digest)
    first.write_chunk(encode_rows("csv", COLUMNS, [{"id": "2", "text": "b"}]), 1, {"ok": 1})
    first.commit()  # its chunks were neither mixed nor deleted
    assert list(csv.reader(dest.open())) == [COLUMNS, ["1", "a"], ["2", "b"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    with pytest.raises(OutputExistsError):  # and once it is done, the output is there
        ResumableOutput(str(dest), "csv", COLUMNS, "d1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_resume_folder_removed_by_a_run_that_finished_first_is_one_clear_error(tmp_path):
    import shutil

    from analyzer.errors import ConcurrentRunError

    dest = tmp_path / "out.csv"
    late = ResumableOutput(str(dest), "csv", COLUMNS, "d1")
    late.write_chunk(encode_rows("csv", COLUMNS, [{"id": "1", "text": "a"}]), 1, {"ok": 1})
    shutil.rmtree(late.folder)  # what the other run's commit does (where flock is not kept)
    dest.write_text("id,text\n1,a\n")
    for step in (lambda: late.write_chunk(encode_rows("csv", COLUMNS, [{"id": "2", "text": "b"}]), 1, {"ok": 1}),
                 late.commit):
        with pytest.raises(ConcurrentRunError, match="was removed while this run was working"):
            step()
    assert dest.read_text() == "id,text\n1,a\n"


def test_fingerprint_follows_inputs_and_options(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\na\n")
    a = fingerprint([str(src)], {"top_k": 5})
    assert a == fingerprint([str(src)], {"top_k": 5})
    assert a != fingerprint([str(src)], {"top_k": 3})
    src.write_text("text\na\nb\n")
    assert a != fingerprint([str(src)], {"top_k": 5})


def test_fingerprint_sees_content_of_equal_size_and_time(tmp_path):
    import os

    src = tmp_path / "in.csv"
    src.write_text("text\nhola\n")
    before = fingerprint([str(src)], {})
    stat = src.stat()
    src.write_text("text\nciao\n")  # same size
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old time
    assert fingerprint([str(src)], {}) != before


def test_fingerprint_of_a_folder_follows_its_files(tmp_path):
    export = tmp_path / "export"
    (export / "data").mkdir(parents=True)
    (export / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = []")
    before = fingerprint([str(export)], {})
    (export / "data" / "tweets-part1.js").write_text("window.YTD.tweets.part1 = []")
    assert fingerprint([str(export)], {}) != before


def test_resume_from_stdin_is_refused():
    with pytest.raises(ValueError, match="standard input"):
        fingerprint(["-"], {})


# -- the real CLI, interrupted -------------------------------------------------------

@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "posts.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i in range(24_000):
            w.writerow([str(i), f"Post {i}: {'Shop the sale, 20% off' if i % 2 else 'Anyone tried route'} {i * 7 % 991}?"])
    return path


def run(args, **kw):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def reference(big_input, model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "ref.jsonl"
    result = run(["score", big_input, "-o", out, "--model", model_dir, "--workers", "1", "--chunk-size", "1000"])
    assert result.returncode == 0, result.stderr
    return out.read_text()


def start_and_interrupt(args, state: Path, sig: int, min_chunks: int = 3) -> subprocess.CompletedProcess:
    proc = subprocess.Popen([EXE, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if json.loads(state.read_text())["chunks"] >= min_chunks:
                break
        except (OSError, ValueError, KeyError):
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_job_resumes_to_the_same_output(sig, big_input, model_dir, reference, tmp_path):
    dest = tmp_path / "scored.jsonl"
    state = tmp_path / ".scored.jsonl.resume" / "state.json"
    args = ["score", big_input, "-o", dest, "--model", model_dir, "--workers", "1", "--chunk-size", "1000", "--resume"]
    first = start_and_interrupt(args, state, sig)
    assert first.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL)
    if sig == signal.SIGINT:
        assert "run the same command (with --resume) to continue" in first.stderr
    assert not dest.exists()  # never a partial file at the destination
    done = json.loads(state.read_text())["rows"]
    assert 0 < done < 24_000
    second = run(args)
    assert second.returncode == 0, second.stderr
    assert f"resuming after {done} rows already scored" in second.stderr
    assert dest.read_text() == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.jsonl"]


def test_interrupt_without_resume_leaves_nothing(big_input, model_dir, tmp_path):
    dest = tmp_path / "scored.csv"
    proc = subprocess.Popen([EXE, "score", str(big_input), "-o", str(dest), "--model", str(model_dir),
                             "--workers", "1", "--chunk-size", "500"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".tmp") and p.stat().st_size for p in tmp_path.iterdir()):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted; no output written" in err
    assert list(tmp_path.iterdir()) == []


def test_resume_with_two_workers_equals_reference(big_input, model_dir, reference, tmp_path):
    dest = tmp_path / "scored.jsonl"
    result = run(["score", big_input, "-o", dest, "--model", model_dir, "--workers", "2", "--chunk-size", "1000",
                  "--resume"])
    assert result.returncode == 0, result.stderr
    assert dest.read_text() == reference


def test_two_real_resume_runs_of_the_same_job_at_once(big_input, model_dir, tmp_path):
    """One run does the job; the other stops with one line (the job is in progress, or done),
    never a traceback, and the output holds every row once."""
    dest = tmp_path / "scored.jsonl"
    root = Path(__file__).resolve().parents[1]
    args = [sys.executable, "-m", "analyzer", "score", str(big_input), "-o", str(dest), "--model",
            str(model_dir), "--workers", "1", "--chunk-size", "1000", "--resume"]
    procs = [subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], results
    stderr = results[codes.index(1)][1]
    assert "Traceback" not in stderr and len(stderr.splitlines()) <= 2, stderr
    last = stderr.splitlines()[-1]
    assert last.startswith(f"error: {dest}: ") and any(
        why in last for why in ("another run is working on this output right now", "already exists",
                                "was removed while this run was working")), last
    rows = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [r["id"] for r in rows] == [str(i) for i in range(24_000)]  # rows in == rows out, once each
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.jsonl"]


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_terminated_resume_run_leaves_no_temporary_file_and_resumes(big_input, model_dir, tmp_path, signame):
    dest = tmp_path / "scored.csv"
    state = tmp_path / ".scored.csv.resume" / "state.json"
    root = Path(__file__).resolve().parents[1]
    args = [sys.executable, "-m", "analyzer", "score", str(big_input), "-o", str(dest), "--model",
            str(model_dir), "--workers", "1", "--chunk-size", "1000", "--resume"]
    proc = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        try:
            if json.loads(state.read_text())["chunks"] >= 2:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()  # still running: the signal lands mid-run
    proc.send_signal(getattr(signal, signame))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    done = json.loads(state.read_text())["rows"]
    assert stderr.splitlines()[-1] == (f"error: interrupted after {done} rows; {dest} not written yet: "
                                       "run the same command (with --resume) to continue")
    assert not dest.exists() and not [p for p in tmp_path.rglob("*.tmp")]
    again = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # the lock went with the process
    assert f"resuming after {done} rows already scored" in again.stderr
    assert len(list(csv.DictReader(dest.open(encoding="utf-8")))) == 24_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.csv"]
