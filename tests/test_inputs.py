import json
import subprocess
import sys

from analyzer.inputs import read_many


def test_tables_and_exports_in_one_call(tmp_path):
    csv = tmp_path / "posts.csv"
    csv.write_text("text\n¿Quién viene mañana?\nSaldi fino al 50%\n", encoding="utf-8")
    outbox = tmp_path / "outbox.json"
    outbox.write_text(json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",
                                  "totalItems": 1, "orderedItems": [{
                                      "type": "Create", "id": "https://m.example/users/ana/statuses/1/activity",
                                      "published": "2026-01-02T10:00:00Z", "actor": "https://m.example/users/ana",
                                      "object": {"type": "Note", "id": "https://m.example/users/ana/statuses/1",
                                                 "content": "<p>Anyone up for a walk?</p>",
                                                 "published": "2026-01-02T10:00:00Z"}}]}), encoding="utf-8")
    posts = list(read_many([csv, outbox]))
    assert [p.text for p in posts] == ["¿Quién viene mañana?", "Saldi fino al 50%", "Anyone up for a walk?"]
    ids = [p.id for p in posts[:2]]
    assert all(i.startswith("posts.csv") for i in ids) and len(set(ids)) == 2  # generated ids name the file
    assert posts[2].platform == "mastodon"


def test_the_table_readers_do_not_import_the_export_readers():
    code = "import sys, analyzer.readers; print(any(m.startswith('analyzer.exports') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
