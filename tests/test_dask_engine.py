"""The Dask engine writes, part by part, exactly the rows the local `score` engine writes."""

from __future__ import annotations

import csv
import gzip
import json
import os
import socket

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from analyzer import dask_engine, scoring
from analyzer.cli import app
from analyzer.dask_engine import DaskEngineError, score_dask
from analyzer.nlp import get_nlp
from analyzer.readers import Columns, ReaderError
from analyzer.inputs import read_many
from analyzer.writers import OutputExistsError

dask = pytest.importorskip("dask")  # the optional `dask` extra
distributed = pytest.importorskip("distributed")

TEXTS = [
    "Summer sale: 30% off all sandals this weekend only. Shop now at https://shop.example/sale",
    'Has anyone tried the "new" trail shoes?\nThoughts, tips, anything?',
    "",
    "   \t ",
    "@sam_w haha same here, train was late.\r\nCoffee tomorrow?",
    "¡Rebajas! 40% de descuento, compra ya.",
    "Secondo voi meglio il lino o il cotone? Diteci la vostra!",
    'Quotes "inside", commas, and ""doubled"" quotes',
]


# -- fixtures and helpers ------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster of two worker processes for the whole module; tests pass its address."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cl:
        yield cl.scheduler_address


def local_table(tmp_path, inputs, model_dir, *options) -> pa.Table:
    out = tmp_path / "local.parquet"
    result = CliRunner().invoke(app, ["score", *map(str, inputs), "-o", str(out), "--model",
                                      str(model_dir), "-F", *options])
    assert result.exit_code == 0, result.stderr
    return pq.read_table(out)


def parts_table(out_dir) -> pa.Table:
    parts = sorted(out_dir.glob("part-*.parquet"))
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(len(parts))]
    assert sorted(p.name for p in out_dir.iterdir()) == [p.name for p in parts]  # nothing else
    return pa.concat_tables([pq.read_table(p) for p in parts])


def assert_equal_tables(got: pa.Table, want: pa.Table) -> None:
    assert got.schema == want.schema
    got_rows, want_rows = got.to_pylist(), want.to_pylist()
    assert len(got_rows) == len(want_rows)
    for n, (g, w) in enumerate(zip(got_rows, want_rows), 1):
        assert g == w, f"row {n} differs"


def write_tricky_csv(path, n: int = 45) -> None:
    """Quoted newlines, doubled quotes, empty/blank texts, blank lines, ragged rows, bad UTF-8."""
    rows = []
    for i in range(n):
        row = [f"c{i}" if i % 3 == 0 else "", TEXTS[i % len(TEXTS)], f"acct{i % 4}",
               f"2024-03-0{1 + i % 9}" if i % 5 else "not a date"]
        if i % 11 == 7:
            row = row[:2]  # missing fields
        elif i % 13 == 5:
            row = [*row, "extra"]
        rows.append(row)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["id", "text", "author", "date"])
        for i, row in enumerate(rows):
            writer.writerow(row)
            if i % 9 == 4:
                fh.write("\r\n\n")  # blank lines are skipped, not counted
    data = path.read_bytes().replace(b"compra ya", b"compra \xff ya", 1)
    path.write_bytes(data)


def write_mixed_jsonl(path) -> None:
    """A non-object first line (columns come from the first object), alias and missing keys."""
    lines = ['"not an object"']
    for i in range(22):
        obj = {"text": TEXTS[i % len(TEXTS)], "lang": ["en", "es", "it", None][i % 4]}
        if i % 4 == 1:
            obj["id"] = float(i)
        if i % 6 == 5:
            obj = {"content": "only an alias column?"}  # columns come from the first object
        if i % 7 == 3:
            obj["text"] = {"nested": "dict"}
        lines.append(json.dumps(obj, ensure_ascii=False))
        if i % 5 == 2:
            lines.append("   ")
    lines.insert(9, "[1, 2]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_parquet(path, n: int = 31) -> None:
    table = pa.table({
        "post_id": list(range(100, 100 + n)),
        "message": [None if i % 10 == 4 else TEXTS[i % len(TEXTS)] for i in range(n)],
        "user": [f"u{i % 3}" for i in range(n)],
        "extra": [i * 1.5 for i in range(n)],
    })
    pq.write_table(table, path, row_group_size=8)


def run(cluster, inputs, out, model_dir, **kwargs):
    return score_dask([str(p) for p in inputs], out, model_dir=model_dir, scheduler=cluster,
                      **kwargs)


# -- equality with the local engine --------------------------------------------------

def test_csv_with_quoted_newlines_and_empty_rows_equals_local(cluster, model_dir, tmp_path):
    src = tmp_path / "posts.csv"
    write_tricky_csv(src)
    result = run(cluster, [src], tmp_path / "out", model_dir, partition_rows=4)
    assert result.partitions == 12 and result.rows == 45
    assert result.counts["empty"] > 0 and sum(result.counts.values()) == 45
    assert_equal_tables(parts_table(tmp_path / "out"), local_table(tmp_path, [src], model_dir))


def test_jsonl_with_mixed_objects_equals_local(cluster, model_dir, tmp_path):
    src = tmp_path / "posts.jsonl"
    write_mixed_jsonl(src)
    result = run(cluster, [src], tmp_path / "out", model_dir, partition_rows=3)
    assert result.counts["error"] > 0
    assert_equal_tables(parts_table(tmp_path / "out"), local_table(tmp_path, [src], model_dir))


def test_parquet_with_features_and_no_text_equals_local(cluster, model_dir, tmp_path):
    src = tmp_path / "posts.parquet"
    write_parquet(src)
    result = run(cluster, [src], tmp_path / "out", model_dir, partition_rows=5, features=True,
                 text=False, top_k=3)
    assert result.partitions == 7
    got = parts_table(tmp_path / "out")
    assert "text" not in got.column_names and "style__n_questions" in got.column_names
    assert_equal_tables(got, local_table(tmp_path, [src], model_dir, "--features", "--no-text",
                                         "--top-k", "3"))


def test_several_files_and_formats_equal_local_with_file_row_ids(cluster, model_dir, tmp_path):
    csv_src, jsonl_src, pq_src = tmp_path / "a.csv", tmp_path / "b.jsonl", tmp_path / "c.parquet"
    write_tricky_csv(csv_src, 13)
    write_mixed_jsonl(jsonl_src)
    write_parquet(pq_src, 9)
    tsv_gz = tmp_path / "d.tsv.gz"
    with gzip.open(tsv_gz, "wt", encoding="utf-8") as fh:
        fh.write("text\tlang\n")
        fh.writelines(f"{' '.join(TEXTS[i % 8].split())}\tes\n" for i in range(11))
    json_src = tmp_path / "e.json"
    json_src.write_text(json.dumps({"posts": [{"text": t} for t in TEXTS]}))
    txt_src = tmp_path / "f.txt"
    txt_src.write_text("Sale now on!\n\nWhat do you think?\n")
    inputs = [csv_src, jsonl_src, pq_src, tsv_gz, json_src, txt_src]
    result = run(cluster, inputs, tmp_path / "out", model_dir, partition_rows=4)
    got = parts_table(tmp_path / "out")
    assert got.column("id").to_pylist()[:2] == ["c0", "a.csv:row-2"]
    assert "d.tsv.gz:11" in got.column("id").to_pylist()
    assert result.rows == got.num_rows
    assert_equal_tables(got, local_table(tmp_path, inputs, model_dir))


def test_partitions_read_exactly_the_posts_of_the_whole_file(tmp_path):
    """Reading only: every cut of every input gives read_many's posts, in order."""
    csv_src, jsonl_src, pq_src = tmp_path / "a.csv", tmp_path / "b.jsonl", tmp_path / "c.parquet"
    write_tricky_csv(csv_src, 30)
    write_mixed_jsonl(jsonl_src)
    write_parquet(pq_src, 20)
    gz_src = tmp_path / "d.csv.gz"
    gz_src.write_bytes(gzip.compress(csv_src.read_bytes()))
    late_garbage = tmp_path / "g.csv"  # the file's head is clean text, its later rows are not
    late_garbage.write_bytes(b"text\nhello\n" + b"plain words " * 900 + b"\n"
                             + b"a\xff\xff\xff" * 300 + b"\n" + b"x\xfe\xfe" * 300 + b"\n")
    swapped = Columns(text="author", author="text", id="date")
    cases = [([csv_src], Columns()), ([jsonl_src], Columns()), ([pq_src], Columns()),
             ([gz_src], Columns()), ([csv_src, jsonl_src, pq_src], Columns()), ([csv_src], swapped),
             ([late_garbage], Columns())]
    for inputs, chosen in cases:
        want = list(read_many(inputs, columns=chosen))
        for partition_rows in (1, 2, 3, 7, 100):
            parts = dask_engine._plan([str(p) for p in inputs], None, chosen, partition_rows)
            assert all(0 < p.rows <= partition_rows for p in parts)
            got = [post for p in parts for post in dask_engine._read_partition(p, chosen)]
            assert got == want, (inputs, chosen, partition_rows)


def test_empty_input_writes_one_empty_part(cluster, model_dir, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("id,text\n")
    result = run(cluster, [src], tmp_path / "out", model_dir)
    assert (result.rows, result.partitions) == (0, 1)
    got = parts_table(tmp_path / "out")
    assert got.num_rows == 0
    assert got.column_names == local_table(tmp_path, [src], model_dir).column_names


# -- model loading, cluster handling ---------------------------------------------------

def test_model_and_spacy_load_once_per_worker_process(cluster, model_dir, tmp_path):
    src = tmp_path / "posts.csv"
    write_tricky_csv(src, 40)

    def count_model_loads() -> None:  # in each worker: count the models scoring loads, none cached yet
        real = scoring.load_model

        def counting(*args, **kwargs):
            counting.calls += 1
            return real(*args, **kwargs)

        counting.calls, counting.real = 0, real
        scoring._WORKER_MODELS.clear()
        scoring.load_model = counting

    def stop_counting_model_loads() -> None:
        scoring.load_model = scoring.load_model.real

    pipelines = []
    with distributed.Client(cluster, set_as_default=False) as client:
        client.run(count_model_loads)
        try:
            for k in range(2):
                result = run(cluster, [src], tmp_path / f"out{k}", model_dir, partition_rows=2)
                assert result.partitions == 20
                pipelines.append(client.run(lambda: (os.getpid(), id(get_nlp()))))
            loads = client.run(lambda: scoring.load_model.calls)
        finally:
            client.run(stop_counting_model_loads)
    assert len({pid for pid, _ in pipelines[0].values()}) == 2  # two processes, a cache in each
    assert sorted(loads.values()) == [1, 1]  # 40 partitions in two runs, one load per worker
    assert pipelines[0] == pipelines[1]  # the same spaCy pipeline object served both runs


def test_starts_and_closes_its_own_local_cluster(model_dir, tmp_path):
    src = tmp_path / "posts.jsonl"
    write_mixed_jsonl(src)
    result = score_dask([str(src)], tmp_path / "out", model_dir=model_dir, n_workers=2,
                        partition_rows=10)
    assert result.partitions == 3
    assert_equal_tables(parts_table(tmp_path / "out"), local_table(tmp_path, [src], model_dir))


def test_unreachable_scheduler_is_a_typed_error_naming_the_address(model_dir, tmp_path):
    src = tmp_path / "posts.txt"
    src.write_text("hello\n")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(DaskEngineError, match=address):
        score_dask([str(src)], tmp_path / "out", model_dir=model_dir, scheduler=address)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.txt"]


# -- output directory and errors ---------------------------------------------------------

def test_refuses_a_non_empty_output_directory_unless_force(cluster, model_dir, tmp_path):
    src = tmp_path / "posts.txt"
    src.write_text("Sale now on!\nWhat do you think?\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(OutputExistsError, match="--force"):
        run(cluster, [src], out, model_dir)
    assert (out / "precious.txt").read_text() == "keep me"
    result = run(cluster, [src], out, model_dir, force=True)
    assert result.rows == 2
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputExistsError, match="not a directory"):
        run(cluster, [src], tmp_path / "file", model_dir, force=True)


def test_a_failing_partition_leaves_no_partial_output(cluster, model_dir, tmp_path, monkeypatch):
    good, doomed = tmp_path / "a.csv", tmp_path / "b.csv"
    write_tricky_csv(good, 20)
    write_tricky_csv(doomed, 20)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.parquet").write_text("previous run")
    plan = dask_engine._plan

    def plan_then_lose_a_file(*args, **kwargs):  # the file goes away after the client's scan
        parts = plan(*args, **kwargs)
        doomed.unlink()
        return parts

    monkeypatch.setattr(dask_engine, "_plan", plan_then_lose_a_file)
    with pytest.raises(ReaderError, match=f"{doomed}: file not found"):
        run(cluster, [good, doomed], out, model_dir, partition_rows=3, force=True)
    assert [p.name for p in out.iterdir()] == ["old.parquet"]  # previous output untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "out"]  # no temporary left


def test_unreadable_input_is_a_reader_error_naming_file_and_line(cluster, model_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n\n{"text": oops}\n')
    with pytest.raises(ReaderError, match=f"^{bad}:3: invalid JSON"):
        run(cluster, [bad], tmp_path / "out", model_dir)
    with pytest.raises(ReaderError, match="missing.csv: file not found"):
        run(cluster, [tmp_path / "missing.csv"], tmp_path / "out", model_dir)
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("a,b\n1,2\n")
    with pytest.raises(ReaderError, match="no text column"):
        run(cluster, [no_text], tmp_path / "out", model_dir)
    with pytest.raises(DaskEngineError, match="stdin"):
        run(cluster, ["-"], tmp_path / "out", model_dir)
    assert not (tmp_path / "out").exists()


def test_cr_line_ends_are_read_whole_and_equal_read_many(tmp_path):
    """Lone CRs end lines, so byte lines are not records: such a file is one partition."""
    src = tmp_path / "cr.csv"
    src.write_bytes(b"id,text\r" + b"".join(b"r%d,post number %d\r" % (i, i) for i in range(7)))
    want = list(read_many([src]))
    assert len(want) == 7
    parts = dask_engine._plan([str(src)], None, Columns(), 2)
    assert [(p.kind, p.rows) for p in parts] == [("whole", 7)]
    assert [post for p in parts for post in dask_engine._read_partition(p, Columns())] == want


def test_generated_ids_of_partitions_equal_read_many(tmp_path):
    """A blank id late in a file avoids an id that only an earlier partition holds."""
    src = tmp_path / "ids.csv"
    src.write_text("id,text\nrow-6,a\nx,b\n,c\ny,d\nz,e\n,f\n")
    pq_src = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"id": ["row-3", None, None], "text": ["a", "b", "c"]}), pq_src)
    for source, ids in ((src, ["row-6", "x", "row-3", "y", "z", "row-6-2"]),
                        (pq_src, ["row-3", "row-2", "row-3-2"])):
        want = list(read_many([source]))
        assert [p.id for p in want] == ids
        for partition_rows in (1, 2, 4):
            parts = dask_engine._plan([str(source)], None, Columns(), partition_rows)
            got = [post for p in parts for post in dask_engine._read_partition(p, Columns())]
            assert got == want


def test_jsonl_objects_with_other_keys_read_as_read_many(tmp_path, monkeypatch):
    from analyzer.readers import layout as readers  # SAMPLE lives in the layout module

    src = tmp_path / "mixed.jsonl"
    src.write_text('"x"\n{"kind": "meta", "id": "m"}\n{"content": "hi", "id": "row-4"}\n'
                   '[1]\n{"text": "yo", "user": "ana"}\n{"text": "z", "id": ""}\n')
    for sample in (1000, 2):
        monkeypatch.setattr(readers, "SAMPLE", sample)
        want = list(read_many([src]))
        assert [p.status for p in want] == ["error", "error", "ok", "error", "ok", "ok"]
        assert want[4].author == "ana"
        for partition_rows in (1, 2, 4):
            parts = dask_engine._plan([str(src)], None, Columns(), partition_rows)
            got = [post for p in parts for post in dask_engine._read_partition(p, Columns())]
            assert got == want, (sample, partition_rows)
    late = tmp_path / "late.jsonl"  # the first object after SAMPLE rows
    late.write_text('1\n2\n3\n{"text": "a"}\n{"text": "b", "id": "x"}\n{"id": "y"}\n'
                    '{"text": "c"}\n')
    want = list(read_many([late]))
    assert [p.id for p in want] == ["1", "2", "3", "row-4", "x", "y", "row-7"]
    for partition_rows in (1, 3):
        parts = dask_engine._plan([str(late)], None, Columns(), partition_rows)
        assert [post for p in parts for post in dask_engine._read_partition(p, Columns())] == want
