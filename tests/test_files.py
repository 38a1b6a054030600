"""Publishing finished files: atomic, and never over a file another run made meanwhile."""

import os

import pytest

from analyzer.files import OutputExistsError, atomic_write, check_overwrite, publish


def _tmp(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_publish_moves_the_file_into_place(tmp_path):
    tmp = _tmp(tmp_path / ".out.csv.x.tmp", "id,label\n1,media\n")
    publish(tmp, tmp_path / "out.csv", replace=False)
    assert (tmp_path / "out.csv").read_text("utf-8") == "id,label\n1,media\n"
    assert not tmp.exists()


def test_publish_never_replaces_a_file_that_appeared(tmp_path):
    dest = _tmp(tmp_path / "out.csv", "the other run's rows\n")
    tmp = _tmp(tmp_path / ".out.csv.x.tmp", "this run's rows\n")
    with pytest.raises(OutputExistsError) as err:
        publish(tmp, dest, replace=False)
    assert str(err.value) == (
        f"{dest}: was created by another process while this run was writing; it was left as it "
        "is and this run's output was not written (run again with --force to replace it)")
    assert dest.read_text("utf-8") == "the other run's rows\n"
    assert not tmp.exists()


def test_publish_with_replace_overwrites(tmp_path):
    dest = _tmp(tmp_path / "out.csv", "old\n")
    publish(_tmp(tmp_path / ".t.tmp", "new\n"), dest, replace=True)
    assert dest.read_text("utf-8") == "new\n"


@pytest.mark.parametrize("exists", [False, True])
def test_publish_without_hard_links_checks_again(tmp_path, monkeypatch, exists):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    dest = tmp_path / "out.csv"
    if exists:
        _tmp(dest, "other\n")
    tmp = _tmp(tmp_path / ".t.tmp", "mine\n")
    if exists:
        with pytest.raises(OutputExistsError):
            publish(tmp, dest, replace=False)
    else:
        publish(tmp, dest, replace=False)
    assert dest.read_text("utf-8") == ("other\n" if exists else "mine\n")
    assert not tmp.exists()


def test_atomic_write_without_replace_keeps_the_existing_file(tmp_path):
    dest = _tmp(tmp_path / "report.html", "<p>other</p>")
    with pytest.raises(OutputExistsError):
        atomic_write(dest, "<p>mine</p>", replace=False)
    assert dest.read_text("utf-8") == "<p>other</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_check_overwrite(tmp_path):
    check_overwrite(tmp_path / "new.csv", force=False)
    _tmp(tmp_path / "old.csv", "x")
    check_overwrite(tmp_path / "old.csv", force=True)
    with pytest.raises(OutputExistsError, match="already exists"):
        check_overwrite(tmp_path / "old.csv", force=False)
    with pytest.raises(IsADirectoryError):
        check_overwrite(tmp_path, force=True)


def test_check_writable_tries_the_nearest_existing_folder(tmp_path, monkeypatch):
    import tempfile

    from analyzer.files import UnwritableOutputError, check_writable

    check_writable(tmp_path / "new" / "deeper" / "model")  # nothing is left behind
    assert list(tmp_path.iterdir()) == []

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(UnwritableOutputError) as err:
        check_writable(tmp_path / "new" / "scored.csv")
    assert str(err.value) == (f"{tmp_path / 'new' / 'scored.csv'}: cannot write in {tmp_path} "
                              "(Read-only file system)")
