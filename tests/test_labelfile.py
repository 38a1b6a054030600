from datetime import datetime, timezone

import pytest

from analyzer.labelfile import LabelFile, LabelFileError, label_record, post_keys
from analyzer.posts import Post


def test_post_keys_makes_repeated_ids_unique():
    posts = [Post(id=i, text="x") for i in ("1", "2", "1", "1")]
    assert post_keys(posts) == ["1", "2", "1#2", "1#3"]


def test_label_record_fields():
    post = Post(id="7", text="¿Qué opináis?", author="ana", lang="es", platform="x",
                created_at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert label_record("7", post, "networking", "community", suggested="media", p_networking=0.4123456) == {
        "id": "7", "text": "¿Qué opináis?", "label": "networking", "function": "community", "author": "ana",
        "lang": "es", "platform": "x", "created_at": "2026-01-02T03:04:00+00:00", "suggested": "media",
        "p_networking": 0.412346}


def test_label_file_appends_reads_back_and_undoes(tmp_path):
    path = tmp_path / "labels.jsonl"
    f = LabelFile(path)
    assert f.records == []
    f.append({"id": "a", "text": "Hola", "label": "networking"})
    f.append({"id": "b", "text": "Sale", "label": "media"})
    assert path.read_text() == ('{"id": "a", "text": "Hola", "label": "networking"}\n'
                                '{"id": "b", "text": "Sale", "label": "media"}\n')
    assert f.remove_last() == {"id": "b", "text": "Sale", "label": "media"}
    assert path.read_text() == '{"id": "a", "text": "Hola", "label": "networking"}\n'
    again = LabelFile(path)
    assert again.keys == {"a"}
    again.remove_last()
    assert path.read_text() == ""
    with pytest.raises(IndexError):
        again.remove_last()


def test_label_file_drops_a_line_cut_short(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "a", "text": "Ciao", "label": "networking"}\n{"id": "b", "te')
    f = LabelFile(path)
    assert f.dropped_partial and f.keys == {"a"}
    assert path.read_text() == '{"id": "a", "text": "Ciao", "label": "networking"}\n'


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "label": "media"}\nnot json\n', "labels.jsonl:2: not a JSON object"),
    ('{"id": "a", "label": "spam"}\n', "labels.jsonl:1: expected an object with an id and a label"),
    ('\n', "labels.jsonl:1: empty line"),
    ('{"id": "a", "label": "media"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", "labels.jsonl:2: not a JSON object"),
])
def test_label_file_refuses_bad_lines(tmp_path, content, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(content)
    with pytest.raises(LabelFileError, match=message):
        LabelFile(path)
