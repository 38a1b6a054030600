import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import TrainingDataError
from analyzer.labeling import (
    BaseData,
    LabelFile,
    LabelFileError,
    LabelSession,
    Scorer,
    curve_steps,
    label_record,
    learning_curve,
    post_keys,
    random_order,
    refit,
    select_batch,
    uncertainty,
)
from analyzer.model import _as_array
from analyzer.posts import Label, Post

# posts to label: none of them is in the training set of the conftest model
CANDIDATES = [
    ("en", "Flash sale! 25% off every backpack until midnight. Shop now: https://shop.example/bags"),
    ("en", "Does anyone know a good vegan bakery near Leeds station? Asking for a birthday."),
    ("en", "Our new podcast episode is out: how we cut delivery costs by a third. Listen now."),
    ("en", "@jo_m ha, I had the exact same problem with the printer yesterday. Did you fix it?"),
    ("en", "Tickets for the spring concert are on sale now. Book yours before they go!"),
    ("en", "What's the one book you'd recommend to a new manager? Curious what you all read."),
    ("es", "¡Oferta! 2x1 en todas las pizzas los martes. Pide ya en nuestra app."),
    ("es", "¿Alguien ha probado el nuevo tren a Sevilla? ¿Merece la pena?"),
    ("es", "Ya está disponible nuestro informe anual. Descárgalo gratis en la web."),
    ("es", "@lola_v jajaja qué fuerte, a mí también me pasó en el gimnasio."),
    ("it", "Nuova collezione autunno disponibile online, spedizione gratuita sopra i 30 €!"),
    ("it", "Qualcuno conosce un buon dentista a Torino? Grazie in anticipo!"),
    ("it", "Il Comune informa: lunedì chiusura degli uffici per la festa patronale."),
    ("it", "@luca_b ahah vero, anche io ho dimenticato l'ombrello stamattina."),
]
TRUTH = ["media", "networking", "media", "networking", "media", "networking", "media", "networking",
         "media", "networking", "media", "networking", "media", "networking"]


def candidates() -> list[Post]:
    return [Post(id=f"c{i}", text=t, lang=lang, author=f"acct{i % 3}") for i, (lang, t) in enumerate(CANDIDATES)]


@pytest.fixture(scope="module")
def parts(trained, train_posts):
    featurizer = trained.model.named_steps["features"]
    base = BaseData.build(featurizer, train_posts, C=trained.model.named_steps["clf"].C,
                          calibration=trained.calibration)
    scorer = Scorer.from_pipeline(trained.model)
    posts = candidates()
    X = featurizer.transform(_as_array(posts))
    return featurizer, base, scorer, posts, X


# -- scoring, refitting -------------------------------------------------------------

def test_uncertainty_exact_values():
    out = uncertainty(np.array([0.0, math.log(3), -math.log(3), 50.0]))
    assert np.allclose(out, [1.0, 0.5, 0.5, 0.0])


def test_refit_without_user_labels_is_the_trained_model(parts, trained):
    featurizer, base, scorer, posts, X = parts
    again = refit(base, sp.csr_matrix((0, X.shape[1])), [])
    expected = trained.model.decision_function(_as_array(posts))
    assert again.n_user == 0
    assert np.allclose(again.decision(X), expected, atol=1e-3)
    assert np.allclose(scorer.decision(X), expected)


def test_refit_moves_toward_the_users_labels(parts):
    featurizer, base, scorer, posts, X = parts
    # the flash sale labelled networking (a codebook that calls it so), ten times the weight
    before = scorer.decision(X[[0]])[0]
    after = refit(base, X[[0]], ["networking"], warm=scorer)
    unweighted = refit(base, X[[0]], ["networking"], user_weight=1.0)
    assert before < 0
    assert after.decision(X[[0]])[0] > unweighted.decision(X[[0]])[0] > before
    assert after.n_user == 1


def test_refit_needs_both_classes(parts):
    featurizer, _, _, posts, X = parts
    empty = BaseData(sp.csr_matrix((0, X.shape[1])), np.array([], dtype=object), 8.0)
    with pytest.raises(TrainingDataError):
        refit(empty, X[[0, 2]], ["media", "media"])


def test_scorer_pipeline_explains_with_its_own_weights(parts):
    from analyzer.explain import predict_posts

    featurizer, base, scorer, posts, X = parts
    moved = refit(base, X[[0]], ["networking"], warm=scorer)
    [pred] = predict_posts(moved.pipeline(featurizer), [posts[0]], top_k=3)
    assert pred.decision == pytest.approx(moved.decision(X[[0]])[0])
    assert len(pred.top) == 3


# -- choosing -----------------------------------------------------------------------

def _rows(*vectors):
    return sp.csr_matrix(np.array(vectors, dtype=float))


def test_select_batch_skips_near_copies():
    # rows 0-2 are the same post, 3 and 4 are different ones; all equally uncertain
    X = _rows([1, 0, 0], [1, 0, 0], [1, 0, 0.01], [0, 1, 0], [0, 0, 1])
    chosen = select_batch(X, np.zeros(5), range(5), 3, seed=0)
    assert len(chosen) == 3
    assert len(set(chosen) & {0, 1, 2}) == 1 and {3, 4} <= set(chosen)
    # without diversity, ties fall back to the seeded order: all five are equal
    plain = select_batch(X, np.zeros(5), range(5), 5, seed=0, diversity=0.0)
    assert plain == [int(i) for i in np.lexsort((random_order(5, 0), -np.ones(5)))]


def test_select_batch_prefers_uncertain_and_avoids_what_is_labelled():
    X = _rows([1, 0], [0, 1], [1, 0.05], [0.05, 1])
    decision = np.array([0.1, 0.2, 3.0, 4.0])
    assert select_batch(X, decision, [0, 1, 2, 3], 2, seed=1) == [0, 1]
    # row 0 already labelled: its near-copy 2 is worth less than row 1
    assert select_batch(X, decision, [1, 2, 3], 1, seed=1, seen=[0]) == [1]


def test_select_batch_empty_cases():
    X = _rows([1, 0])
    assert select_batch(X, np.zeros(1), [], 5) == []
    assert select_batch(X, np.zeros(1), [0], 0) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 12), st.integers(0, 10_000), st.data())
def test_select_batch_properties(n, k, seed, data):
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix(rng.random((n, 4)) * (rng.random((n, 4)) > 0.4))
    decision = rng.normal(size=n) * 3
    available = data.draw(st.lists(st.integers(0, n - 1), unique=True))
    chosen = select_batch(X, decision, available, k, seed=seed)
    assert len(chosen) == min(k, len(available))
    assert len(set(chosen)) == len(chosen) and set(chosen) <= set(available)
    assert chosen == select_batch(X, decision, available, k, seed=seed)  # reproducible


def test_random_order_is_seeded():
    assert random_order(6, 3).tolist() == random_order(6, 3).tolist()
    assert sorted(random_order(6, 3).tolist()) == list(range(6))


# -- the labels file ----------------------------------------------------------------

def test_post_keys_makes_repeated_ids_unique():
    posts = [Post(id=i, text="x") for i in ("1", "2", "1", "1")]
    assert post_keys(posts) == ["1", "2", "1#2", "1#3"]


def test_label_record_fields():
    from datetime import datetime, timezone

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


# -- the session --------------------------------------------------------------------

def _session(parts, path, **kw):
    featurizer, base, scorer, posts, X = parts
    return LabelSession(posts, X, base, LabelFile(path), scorer, transform=lambda ps: featurizer.transform(_as_array(ps)),
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


# -- the learning curve -------------------------------------------------------------

def test_curve_steps():
    assert curve_steps(0) == [0]
    assert curve_steps(30) == [0, 25, 30]
    assert curve_steps(200) == [0, 25, 50, 100, 200]
    assert curve_steps(250) == [0, 25, 50, 100, 200, 250]


def test_learning_curve_on_labelled_posts(parts, train_posts):
    from sklearn.metrics import f1_score

    featurizer, base, scorer, _, _ = parts
    # the user's labels: the candidates twice over (other ids), with their true labels
    posts = [Post(id=f"u{i}", text=t + suffix, lang=lang, author=f"acct{i % 4}", label=Label(TRUTH[i]))
             for suffix in ("", " (2)") for i, (lang, t) in enumerate(CANDIDATES)]
    X = featurizer.transform(_as_array(posts))
    curve = learning_curve(posts, X, base, scorer, n_splits=4, seed=0, steps=[0, 5, 10])
    y = [p.label.value for p in posts]
    alone = f1_score(y, np.where(scorer.decision(X) > 0, "networking", "media"), average="macro")
    assert curve["n_labels"] == [0, 5, 10]
    assert curve["model_alone"] == round(alone, 4) == curve["macro_f1"][0]
    assert all(0.0 <= f <= 1.0 for f in curve["macro_f1"])
    assert curve["cv"]["grouped_by"] == "author" and curve["cv"]["n_splits"] == 4
    assert curve["label_counts"] == {"media": 14, "networking": 14}
