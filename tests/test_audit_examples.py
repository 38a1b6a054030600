from analyzer.audit_examples import ExamplePosts


def post(i, p, label, text="some words", author="acme", platform="x"):
    return {"id": str(i), "text": text, "author": author, "platform": platform, "label": label,
            "p_networking": p, "signals": [], "status": "ok"}


def keep(rows, k=2):
    examples = ExamplePosts(k, (0.4, 0.6))
    for r in rows:
        examples.add(r, r["label"], r["p_networking"], r["author"], r["platform"])
    return examples


ROWS = [post(1, 0.3, "media"), post(2, 0.05, "media"), post(3, 0.1, "media", platform="instagram"),
        post(4, 0.58, "networking"), post(5, 0.9, "networking", author="bea"), post(6, 0.45, "media")]


def test_most_confident_first_and_k_of_each():
    shown = keep(ROWS).shown()
    assert [e["id"] for e in shown["media"]] == ["2", "3"]
    assert [e["id"] for e in shown["networking"]] == ["5", "4"]
    assert [e["id"] for e in shown["borderline"]] == ["6", "4"]  # nearest 0.5 first: |p - 0.5| 0.05, 0.08
    assert set(shown["media"][0]) == {"id", "text", "author", "platform", "created_at", "lang", "label",
                                      "p_networking", "signals", "words", "intercept",
                                      "style", "goals", "content", "effort", "roi"}


def test_quoted_per_account_and_platform():
    examples = keep(ROWS)
    acme = examples.quoted("acme", ["x", "instagram"])
    assert acme["media"] == {"id": "2", "text": "some words", "p_networking": 0.05}
    assert acme["networking"]["id"] == "4"
    assert {p: e["id"] for p, e in acme["media_by_platform"].items()} == {"x": "2", "instagram": "3"}
    assert examples.quoted("bea") == {"media": None, "networking": {"id": "5", "text": "some words",
                                                                    "p_networking": 0.9},
                                      "media_by_platform": {}}
    assert examples.quoted("__all__")["networking"]["id"] == "5"


def test_a_post_without_text_is_shown_but_never_quoted():
    examples = keep([post(1, 0.01, "media", text="  ")])
    assert [e["id"] for e in examples.shown()["media"]] == ["1"]
    assert examples.quoted("acme", ["x"]) == {"media": None, "networking": None, "media_by_platform": {"x": None}}
