import json

from label_examples import TRUTH

from analyzer.labelfile import LabelFile
from analyzer.labeling import LabelSession
from analyzer.model import posts_array


def _session(parts, path, **kw):
    featurizer, base, scorer, posts, X = parts
    return LabelSession(posts, X, base, LabelFile(path), scorer, transform=lambda ps: featurizer.transform(posts_array(ps)),
                        **kw)


def test_session_labels_skips_undoes_and_refits(parts, tmp_path):
    path = tmp_path / "labels.jsonl"
    s = _session(parts, path, refit_every=4, seed=0, lookahead=1)
    first = s.current()
    assert len(s.queue) == 5  # refit_every + lookahead
    s.answer("media")
    second = s.current()
    s.skip()
    third = s.current()
    assert s.undo() == ("skip", second.index)
    assert s.current().index == second.index
    s.answer("networking")
    assert s.undo() == ("label", second.index)
    assert s.current().index == second.index
    s.answer("networking", function=None)
    s.answer("media", function="information")  # third
    assert third.index != second.index
    s.answer("media", function="community")  # the function decides: networking
    assert s._pending is not None  # one post of the round left: the refit runs
    s.answer("media")
    assert s.refits == 0
    nxt = s.current()  # a new round, chosen by the refitted model
    assert s.refits == 1 and s.scorer.n_user == 4 and nxt is not None  # the labels when it started
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [r["label"] for r in lines] == ["media", "networking", "media", "networking", "media"]
    assert [r.get("function") for r in lines] == [None, None, "information", "community", None]
    assert lines[0]["id"] == first.key and lines[1]["id"] == second.key and lines[2]["id"] == third.key
    assert len({r["id"] for r in lines}) == 5
    s.close()


def test_session_is_reproducible_and_resumes(parts, tmp_path):
    def run(path, n):
        s = _session(parts, path, refit_every=3, seed=5)
        keys = []
        for _ in range(n):
            shown = s.current()
            keys.append(shown.key)
            s.answer(TRUTH[shown.index])
        s.close()
        return keys

    a = run(tmp_path / "a.jsonl", 8)
    b = run(tmp_path / "b.jsonl", 8)
    assert a == b and len(set(a)) == 8
    # resume: the labelled posts are not shown again, and the model starts refitted
    s = _session(parts, tmp_path / "a.jsonl", refit_every=3, seed=5)
    assert s.refits == 1 and s.scorer.n_user == 8 and s.remaining == 6
    rest = []
    while (shown := s.current()) is not None:
        rest.append(shown.key)
        s.answer(TRUTH[shown.index])
    s.close()
    assert sorted(rest + a) == sorted(f"c{i}" for i in range(14))
    assert len(LabelFile(tmp_path / "a.jsonl").records) == 14


def test_session_refits_on_labels_of_posts_outside_the_inputs(parts, tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"id": "old1", "text": "Anyone up for a run on Sunday?", "label": "networking"}) + "\n")
    s = _session(parts, path, refit_every=3)
    assert s.scorer.n_user == 1 and s.remaining == 14
    s.close()
