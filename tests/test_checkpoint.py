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
