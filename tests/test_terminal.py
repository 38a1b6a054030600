import io

from rich.console import Console

from analyzer.explain import Contribution, Prediction
from analyzer.posts import Post
from analyzer.terminal import check_json, render_check, render_signals, signed_bar

PRED = Prediction(
    post=Post(id="1", text="Sale now!"), lang="en", label="media", p_networking=0.1,
    decision=-2.197, intercept=-0.5,
    dimensions={"style": -0.5, "goals": -1.0, "content": 0.25, "effort": 0.0, "roi": -0.447},
    words=-0.0, top=(Contribution("goals__n_offer_words", "signal", "goals", 1.0, -1.0, 'uses offer words ("Sale")'),),
)


def console():
    return Console(file=io.StringIO(), width=100, color_system=None)


def test_signed_bar():
    assert signed_bar(-1.0, 1.0, width=4).plain == "████│    "
    assert signed_bar(0.5, 1.0, width=4).plain == "    │██  "
    assert signed_bar(0.0, 1.0, width=4).plain == "    │    "


def test_render_check():
    c = console()
    render_check(c, PRED)
    out = c.file.getvalue()
    assert "MEDIA  P(networking) = 0.100  confidence 90%  lang en" in out
    lines = {line.split()[0] if not line.startswith(("starting", "=")) else line.split("  ")[0]: line
             for line in out.splitlines() if line.strip()}
    assert "-1.00" in lines["goals"] and 'uses offer words ("Sale")' in out
    # the rows add up visibly: five dimensions + words + starting point = decision
    assert "-0.50" in lines["starting point"] and "-2.20" in lines["= decision"]


def test_render_check_without_label():
    c = console()
    render_check(c, Prediction(post=Post(id="9", text=""), lang="und", label=None, p_networking=None))
    assert "9: no label (empty: no text)" in c.file.getvalue()


def test_check_json_shape():
    obj = check_json(PRED)
    assert obj["label"] == "media" and obj["confidence"] == 0.9
    assert obj["intercept"] == -0.5 and obj["decision"] == -2.197
    assert obj["function"] is None and obj["p_function"] is None  # a model without a function head
    assert obj["signals"][0] == {"name": "goals__n_offer_words", "dimension": "goals", "value": 1.0,
                                 "contribution": -1.0, "text": 'uses offer words ("Sale")'}


def test_render_signals_lists_catalogue():
    c = console()
    render_signals(c)
    assert "roi__has_reply_ask" in c.file.getvalue()


def test_check_of_a_post_labelled_by_rule():
    post = Post(id="9", text="", meta={"media_count": 1, "is_reply": False})
    pred = Prediction(post=post, lang="und", label="media", p_networking=None, function="information")
    c = console()
    render_check(c, pred)
    assert " ".join(c.file.getvalue().split()) == (
        "MEDIA (information) has no words, only 1 photo/video/GIF, posted on its own (not a "
        "reply); labelled by rule from its metadata: broadcast (media, information)")
    out = check_json(pred)
    assert (out["status"], out["label"], out["p_networking"], out["confidence"], out["flags"]) == (
        "ok", "media", None, None, ["no_text"])


def test_render_metrics():
    from analyzer.terminal import render_metrics

    m = {"n": 4, "macro_f1": 0.75, "accuracy": 0.75, "ece": 0.1,
         "per_class": {"media": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3},
                       "networking": {"precision": 0.6, "recall": 1.0, "f1": 0.75}}}
    c = console()
    render_metrics(c, {"overall": m, "by_group": {"en": m}}, title="cv")
    rows = [line.split() for line in c.file.getvalue().splitlines() if line.strip()]
    assert rows[0] == ["cv"]
    assert rows[-2:] == [["en", "4", "0.750", "1.00/0.50/0.67", "0.60/1.00/0.75", "0.750", "0.100"],
                         ["all", "4", "0.750", "1.00/0.50/0.67", "0.60/1.00/0.75", "0.750", "0.100"]]
