from analyzer.advice import MIN_POSTS, audit_actions, habit, no_advice, platform_name


def mix(key, posts, media):
    return {"key": key, "posts": posts, "media": media, "networking": posts - media,
            "media_share": media / posts}


AUDIT = {"overall": mix("all", 9, 6), "behaviour": {"overall": {"posts": 9}, "by_account": {"acme": {"posts": 6}}},
         "mix": {"account": {"rows": [mix("acme", 6, 5), mix("bea", 3, 1)]}}}


def actions(audit):
    return audit_actions(audit, target=0.2, rule="80/20", platforms=lambda who: {},
                         drivers=lambda who: {}, examples=lambda who: {})


def test_audit_actions_only_for_accounts_with_enough_posts():
    out = actions(AUDIT)
    assert out["min_posts"] == MIN_POSTS == 5
    assert list(out["by_account"]) == ["acme"]  # bea has 3 posts
    (first,) = out["by_account"]["acme"]
    assert first["kind"] == "mix" and first["number"] == "83% promotional"
    assert first["text"].startswith("5 of your 6 posts (83%) broadcast or promote; the 80/20 target is at most 20%.")
    assert [a["kind"] for a in out["overall"]] == ["mix"]


def test_audit_actions_with_too_few_posts_overall():
    few = {**AUDIT, "overall": mix("all", 4, 1), "mix": {}}
    assert actions(few) == {"overall": [], "by_account": {}, "min_posts": 5}


def test_habit_and_platform_words():
    assert habit("ngram__link in bio") == 'uses the words "link in bio"'
    assert habit("char__ab") is None and habit("content__n_words") is None
    assert habit("content__n_hashtags") == "uses hashtags"
    assert (platform_name("linkedin"), platform_name("mastodon")) == ("LinkedIn", "Mastodon")


def test_no_advice():
    assert no_advice(5) == "Too few scored posts for advice (an account needs 5 or more)."
