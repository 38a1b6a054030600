import csv
import json

import pytest

from analyzer.persistence import load_model
from analyzer.score_files import ScoreInterrupted, ScoreSummary, default_workers, score_files, worker_count


@pytest.fixture()
def posts_csv(tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text("id,text\n1,Who is coming tonight?\n2,\n3,Big SALE today: 30% off everything!\n", "utf-8")
    return src


def test_summary_of_a_local_run(model_dir, posts_csv, tmp_path):
    dest = tmp_path / "scored.csv"
    chunks, notes = [], []
    summary = score_files([str(posts_csv)], str(dest), load_model(model_dir), chunk_size=2,
                          on_chunk=chunks.append, note=notes.append)
    assert summary == ScoreSummary(rows=3, counts={"ok": 2, "empty": 1, "error": 0}, output=str(dest))
    assert chunks == [2, 1] and notes == []
    rows = list(csv.DictReader(open(dest, encoding="utf-8")))
    assert [(r["id"], r["status"]) for r in rows] == [("1", "ok"), ("2", "empty"), ("3", "ok")]


def test_stdout_is_named_stdout(model_dir, posts_csv, capsys):
    summary = score_files([str(posts_csv)], "-", load_model(model_dir), text=False)
    assert summary.output == "stdout" and summary.rows == 3
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "2", "3"]
    assert "text" not in json.loads(lines[0])


def test_an_interrupted_resumable_run_continues_where_it_stopped(model_dir, posts_csv, tmp_path):
    dest = tmp_path / "scored.jsonl"
    model = load_model(model_dir)

    def stop(n):
        raise KeyboardInterrupt

    with pytest.raises(ScoreInterrupted) as stopped:
        score_files([str(posts_csv)], str(dest), model, chunk_size=1, resume=True, on_chunk=stop)
    assert stopped.value.rows_done == 1 and not dest.exists()
    notes = []
    summary = score_files([str(posts_csv)], str(dest), model, chunk_size=1, resume=True, note=notes.append)
    assert notes == ["resuming after 1 rows already scored"]
    assert summary.counts == {"ok": 2, "empty": 1, "error": 0}
    assert [json.loads(line)["id"] for line in dest.read_text("utf-8").splitlines()] == ["1", "2", "3"]


def test_an_interrupted_plain_run_has_nothing_to_resume(model_dir, posts_csv, tmp_path):
    def stop(n):
        raise KeyboardInterrupt

    with pytest.raises(ScoreInterrupted) as stopped:
        score_files([str(posts_csv)], str(tmp_path / "s.csv"), load_model(model_dir), chunk_size=1, on_chunk=stop)
    assert stopped.value.rows_done is None and list(tmp_path.iterdir()) == [tmp_path / "posts.csv"]


def test_worker_count_is_capped_at_the_usable_cores(monkeypatch, posts_csv):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    notes = []
    assert worker_count(999, [], notes.append) == 2
    assert notes == ["note: --workers 999 capped at 2 cores"]
    assert worker_count(1, [], notes.append) == 1 and len(notes) == 1
    assert worker_count(None, [str(posts_csv)]) == default_workers([str(posts_csv)]) == 1  # a small input
