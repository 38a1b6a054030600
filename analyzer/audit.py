"""The content-mix audit: corpus-level numbers computed from scored rows.

Rows are the records ``score`` writes (one per post). The builder consumes
them chunk by chunk and keeps only counters, sums, per-account timestamps and
a few example heaps, so auditing a million posts needs no million-row table.
Every figure of the HTML/JSON/Markdown report comes from ``AuditBuilder.finish``.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .advice import MIN_POSTS, account_actions
from .posts import FUNCTIONS, NO_TEXT, parse_date
from .signals import DIMENSIONS, SIGNAL_NAMES, signal_by_name

__all__ = ["AuditBuilder", "RULES", "UNCERTAIN", "build_audit", "month_of"]

# Content-mix targets social teams audit against: the largest acceptable share
# of promotional (media) posts.
RULES: dict[str, dict[str, Any]] = {
    "80/20": {"max_media_share": 0.20,
              "description": "at most 20 % of posts promotional, 80 % value and conversation"},
    "4-1-1": {"max_media_share": 1 / 6,
              "description": "one self-promotional post for every five others (4 shared, 1 reshared)"},
}
UNCERTAIN = (0.4, 0.6)
GROUPINGS = (("author", "account"), ("month", "month"), ("platform", "platform"), ("lang", "language"))
_SIGNAL_CHUNK = 2048  # rows whose signal values are counted together
# value types np.asarray(dtype=float) converts exactly as _float does (None -> NaN, which counts as no hit)
_PLAIN_VALUES = frozenset({float, int, bool, type(None), np.float64})


# Published shares of the three functions (SIGNALS.md, given there in the order
# information / community / action): what organisations' feeds look like.
FUNCTION_BASE_RATES: dict[str, dict[str, float]] = {
    "Lovejoy & Saxton 2012 (4,655 nonprofit tweets)": {"information": 0.586, "action": 0.156, "community": 0.258},
    "48 later studies (mean)": {"information": 0.51, "action": 0.26, "community": 0.24},
}


def month_of(value: Any) -> str | None:
    """``YYYY-MM`` of a timestamp (UTC for zone-aware times), None when unknown."""
    dt = value if isinstance(value, datetime) else parse_date(value)
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return f"{dt.year:04d}-{dt.month:02d}"


@dataclass
class _Mix:
    n: int = 0
    media: int = 0
    networking: int = 0
    uncertain: int = 0
    dims: list[float] = field(default_factory=lambda: [0.0] * len(DIMENSIONS))
    functions: Counter = field(default_factory=Counter)
    rule: Counter = field(default_factory=Counter)  # per label, the posts labelled by rule (no text)

    def add(self, label: str, p: float | None, dims: Sequence[float] | None, function: str | None = None) -> None:
        """Count one post; ``p`` and ``dims`` are None for a post labelled by rule."""
        self.n += 1
        if function in FUNCTIONS:
            self.functions[function] += 1
        if label == "media":
            self.media += 1
        else:
            self.networking += 1
        if p is None:
            self.rule[label] += 1
            return
        if UNCERTAIN[0] <= p <= UNCERTAIN[1]:
            self.uncertain += 1
        for i, v in enumerate(dims or ()):
            self.dims[i] += v

    def as_dict(self, target: float) -> dict[str, Any]:
        media_share = self.media / self.n if self.n else 0.0
        n_model = self.n - sum(self.rule.values())  # dimension scores exist only for these
        return {
            "posts": self.n,
            "media": self.media,
            "networking": self.networking,
            "uncertain": self.uncertain,
            "media_share": media_share,
            "networking_share": self.networking / self.n if self.n else 0.0,
            "over_target": media_share - target,
            "by_rule": sum(self.rule.values()),
            "dimensions": {d: (self.dims[i] / n_model if n_model else 0.0) for i, d in enumerate(DIMENSIONS)},
            "functions": {f: self.functions.get(f, 0) for f in FUNCTIONS},
            "function_shares": ({f: self.functions.get(f, 0) / sum(self.functions.values()) for f in FUNCTIONS}
                                if self.functions else None),
        }


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _truthy(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _flags(value: Any) -> list[str]:
    """The flags of a row: a comma-separated string (CSV, JSON Lines, Parquet) or a list."""
    if isinstance(value, str):
        return [f.strip() for f in value.split(",")]
    if isinstance(value, (list, tuple)):
        return [str(f) for f in value]
    return []


class AuditBuilder:
    """Accumulates scored rows; ``finish`` returns the audit as a plain dict."""

    def __init__(self, *, target_rule: str = "80/20", examples: int = 5,
                 weights: Mapping[str, float] | None = None):
        self.target_rule = target_rule
        self.target = RULES[target_rule]["max_media_share"]
        self.k = examples
        self.weights = dict(weights or {})
        self.status: Counter[str] = Counter()
        self.total = _Mix()
        self.groups: dict[str, dict[str, _Mix]] = {g: defaultdict(_Mix) for g, _ in GROUPINGS}
        self.present: Counter[str] = Counter()  # rows that have author / month / platform / lang
        # per label, the ok rows that carry per-signal values: the denominators of signal prevalence
        self.signal_rows: Counter[str] = Counter()
        self.signal_hits: dict[str, Counter[str]] = {"media": Counter(), "networking": Counter()}
        self.behaviour: dict[str, Counter[str]] = defaultdict(Counter)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.top_drivers: dict[str, dict[str, Counter[str]]] = defaultdict(  # per account
            lambda: {"media": Counter(), "networking": Counter()})
        self._heaps: dict[str, list] = {"media": [], "networking": [], "borderline": []}
        # per account: label counts per platform and the most confident post of each label
        # (overall under "__all__"), for the ranked actions
        self.platforms: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        self.best: dict[tuple[str, str], tuple] = {}
        self._seq = 0

    # -- consuming rows -------------------------------------------------------
    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        valued: dict[str, list[Mapping[str, Any]]] = {"media": [], "networking": []}
        for row in rows:
            label = self._add(row)
            if label is not None:
                valued[label].append(row)
                if len(valued[label]) >= _SIGNAL_CHUNK:
                    self._count_signals(label, valued[label])
                    valued[label] = []
        for label, chunk in valued.items():
            self._count_signals(label, chunk)

    def _add(self, row: Mapping[str, Any]) -> str | None:
        """Count one row; returns its label when it carries per-signal values (counted by the caller)."""
        status = str(row.get("status") or "ok")
        self.status[status] += 1
        p = _float(row.get("p_networking"))
        label = row.get("label")
        # a post with no words but media: labelled by rule, without a probability
        by_rule = p is None and NO_TEXT in _flags(row.get("flags"))
        if status != "ok" or (p is None and not by_rule) or label not in ("media", "networking"):
            return None
        dims = None if by_rule else [_float(row.get(d)) or 0.0 for d in DIMENSIONS]
        function = row.get("function") or None
        self.total.add(label, p, dims, function)
        created = parse_date(row.get("created_at"))
        keys = {
            "author": row.get("author") or None,
            "month": month_of(created),
            "platform": row.get("platform") or None,
            "lang": row.get("lang") or None,
        }
        for g, key in keys.items():
            if key:
                self.present[g] += 1
                self.groups[g][str(key)].add(label, p, dims, function)
        account = str(keys["author"]) if keys["author"] else None
        platform = str(keys["platform"]) if keys["platform"] else None
        for who in ("__all__", account) if account else ("__all__",):
            if platform:
                self.platforms[who][platform][label] += 1
        has_values = not by_rule and any(name in row for name in SIGNAL_NAMES)
        if has_values:
            self.signal_rows[label] += 1
        self._behaviour("__all__", row, has_values)
        if account:
            self._behaviour(account, row, has_values)
            if created is not None:
                ts = created if created.tzinfo is not None else created.replace(tzinfo=timezone.utc)
                self.times[account].append(ts.timestamp())
        for who in ("__all__", account) if account else ("__all__",):
            drivers = self.top_drivers[who][label]
            # the strongest signal behind the label: what a post of this label most owes it to
            for s in row.get("signals") or []:
                c = _float(s.get("contribution")) or 0.0
                if (label == "networking" and c > 0) or (label == "media" and c < 0):
                    drivers[s["name"]] += 1
                    break
        if not by_rule:  # no text to show, no confidence to rank by
            self._example(row, label, p)
            self._best(row, label, p, account, platform)
        return label if has_values else None

    def _count_signals(self, label: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add the rows' signal hits (value > 0, as ``_float`` reads it) to ``signal_hits[label]``."""
        if not rows:
            return
        values = [row.get(name) for row in rows for name in SIGNAL_NAMES]
        if not set(map(type, values)) <= _PLAIN_VALUES:
            values = [_float(v) for v in values]
        hits = (np.asarray(values, dtype=float).reshape(len(rows), len(SIGNAL_NAMES)) > 0).sum(axis=0)
        counter = self.signal_hits[label]
        for name, n in zip(SIGNAL_NAMES, hits.tolist()):
            if n:
                counter[name] += n

    def _behaviour(self, key: str, row: Mapping[str, Any], has_values: bool) -> None:
        b = self.behaviour[key]
        b["posts"] += 1
        reply = _truthy(row.get("is_reply"))
        if reply is None and has_values:
            reply = (_float(row.get("effort__is_reply")) or 0) > 0
        if reply is not None:
            b["reply_known"] += 1
            b["replies"] += bool(reply)
        if has_values:
            b["values_known"] += 1
            b["links"] += (_float(row.get("content__n_urls")) or 0) > 0
            b["scheduler"] += (_float(row.get("effort__has_scheduler")) or 0) > 0
            b["questions"] += (_float(row.get("style__n_questions")) or 0) > 0

    def _example(self, row: Mapping[str, Any], label: str, p: float) -> None:
        self._seq += 1
        lite = {k: row.get(k) for k in ("id", "text", "author", "platform", "created_at", "lang",
                                        "label", "p_networking", "signals", "words", "intercept", *DIMENSIONS)}
        confidence = p if label == "networking" else 1 - p
        self._push(label, (confidence, -self._seq, lite))
        if UNCERTAIN[0] <= p <= UNCERTAIN[1]:  # borderline means the uncertain band, nothing else
            self._push("borderline", (-abs(p - 0.5), -self._seq, lite))

    def _best(self, row: Mapping[str, Any], label: str, p: float, account: str | None,
              platform: str | None) -> None:
        if not (row.get("text") or "").strip():
            return
        confidence = p if label == "networking" else 1 - p
        item = (confidence, -self._seq, {k: row.get(k) for k in ("id", "text", "p_networking")})
        keys = [("__all__", label)] + ([(account, label)] if account else [])
        if label == "media" and platform:
            keys += [(f"{who}\x00{platform}", "media") for who, _ in keys]
        for key in keys:
            if key not in self.best or item > self.best[key]:
                self.best[key] = item

    def _push(self, key: str, item: tuple) -> None:
        heap = self._heaps[key]
        if len(heap) < self.k:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    # -- results ----------------------------------------------------------------
    def finish(self) -> dict[str, Any]:
        n_ok = self.total.n
        overall = self.total.as_dict(self.target)
        overall["rules"] = {
            name: {**rule, "met": n_ok > 0 and overall["media_share"] <= rule["max_media_share"]}
            for name, rule in RULES.items()
        }
        out: dict[str, Any] = {
            "target_rule": self.target_rule,
            "target_media_share": self.target,
            "uncertain_range": list(UNCERTAIN),
            "function_base_rates": FUNCTION_BASE_RATES,
            "status": {k: self.status.get(k, 0) for k in ("ok", "empty", "error")},
            "rows": sum(self.status.values()),
            "by_rule": {"posts": sum(self.total.rule.values()),
                        **{k: self.total.rule.get(k, 0) for k in ("media", "networking")}},
            "overall": overall,
            "mix": {},
            "omitted": {},
        }
        for g, title in GROUPINGS:
            if self.present[g] == 0:
                out["omitted"][f"mix_by_{title}"] = f"the input has no {title if g != 'month' else 'date'} column"
                continue
            rows = [{"key": k, **m.as_dict(self.target)} for k, m in self.groups[g].items()]
            if g == "month":
                rows.sort(key=lambda r: r["key"])
            else:
                rows.sort(key=lambda r: (-r["over_target"], -r["posts"], r["key"]))
            out["mix"][title] = {"rows": rows, "posts_with_value": self.present[g],
                                 "posts_without_value": n_ok - self.present[g]}
        out["dimensions"] = {
            "overall": overall["dimensions"],
            "by_account": ({r["key"]: r["dimensions"] for r in out["mix"]["account"]["rows"]}
                           if "account" in out["mix"] else {}),
        }
        out["signals"] = self._prevalence()
        if out["signals"] is None:
            out["omitted"]["signal_prevalence"] = (
                "the scored rows carry no per-signal values (score with --features, or give raw posts)")
        out["behaviour"] = self._behaviour_summary()
        out["examples"] = {
            key: [item[2] for item in sorted(heap, reverse=True)] for key, heap in self._heaps.items()
        }
        out["actions"] = self._actions(out)
        return out

    def _prevalence(self) -> list[dict[str, Any]] | None:
        if not self.signal_rows:
            return None
        rows = []
        nm, nn = self.signal_rows["media"], self.signal_rows["networking"]
        for name in SIGNAL_NAMES:
            hm, hn = self.signal_hits["media"][name], self.signal_hits["networking"][name]
            if not (hm or hn or name in self.weights):
                continue
            s = signal_by_name(name)
            rows.append({
                "name": name,
                "dimension": s.dimension,
                "description": s.description,
                "media_share": hm / nm if nm else 0.0,
                "networking_share": hn / nn if nn else 0.0,
                "weight": self.weights.get(name),
            })
        rows.sort(key=lambda r: -abs(r["networking_share"] - r["media_share"]))
        return rows

    def _behaviour_summary(self) -> dict[str, Any]:
        def summary(key: str) -> dict[str, Any]:
            b = self.behaviour.get(key, Counter())
            out: dict[str, Any] = {"posts": b["posts"]}
            if b["reply_known"]:
                out["reply_share"] = b["replies"] / b["reply_known"]
            if b["values_known"]:
                out["link_share"] = b["links"] / b["values_known"]
                out["scheduler_share"] = b["scheduler"] / b["values_known"]
                out["question_share"] = b["questions"] / b["values_known"]
            times = sorted(self.times.get(key, []))
            if len(times) >= 3:
                gaps = [(b2 - a) / 3600 for a, b2 in zip(times, times[1:])]
                mean = statistics.fmean(gaps)
                out["median_interval_hours"] = statistics.median(gaps)
                out["median_interval_days"] = statistics.median(gaps) / 24
                out["interval_cv"] = statistics.pstdev(gaps) / mean if mean > 0 else 0.0
            return out

        accounts = {a: summary(a) for a in sorted(self.behaviour) if a != "__all__"}
        return {"overall": summary("__all__"), "by_account": accounts}

    def _examples_of(self, who: str) -> dict[str, Any]:
        get = lambda key: self.best[key][2] if key in self.best else None  # noqa: E731
        return {"media": get((who, "media")), "networking": get((who, "networking")),
                "media_by_platform": {p: get((f"{who}\x00{p}", "media")) for p in self.platforms.get(who, {})}}

    def _actions(self, report: Mapping[str, Any]) -> dict[str, Any]:
        """Ranked actions per account with enough posts (and for all posts together)."""
        behaviour = report["behaviour"]
        common = dict(target=self.target, rule=self.target_rule)

        def actions(who: str, mix: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
            return account_actions(mix, b, behaviour["overall"], platforms=self.platforms.get(who, {}),
                                   drivers={k: v.most_common(5) for k, v in self.top_drivers[who].items()},
                                   examples=self._examples_of(who), **common)

        out: dict[str, Any] = {"overall": [], "by_account": {}, "min_posts": MIN_POSTS}
        if report["overall"]["posts"] >= MIN_POSTS:
            out["overall"] = actions("__all__", report["overall"], behaviour["overall"])
        for row in report["mix"].get("account", {}).get("rows", []):
            if row["posts"] >= MIN_POSTS:
                out["by_account"][row["key"]] = actions(row["key"], row,
                                                        behaviour["by_account"].get(row["key"], {}))
        return out


def build_audit(rows: Iterable[Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
    builder = AuditBuilder(**kwargs)
    builder.add(rows)
    return builder.finish()


# -- from files to an audit ------------------------------------------------------------

_SCORED_KEYS = {"label", "p_networking", "status"}


def scored_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row read back from a file ``score`` wrote (CSV strings, JSON or Parquet values)."""
    import json

    row = dict(record)
    signals = row.get("signals")
    if isinstance(signals, str):
        try:
            row["signals"] = json.loads(signals) if signals else []
        except (json.JSONDecodeError, RecursionError):  # damaged or nested too deep: none
            row["signals"] = []
    row["is_reply"] = _truthy(row.get("is_reply"))
    for key in ("p_networking", "confidence", *DIMENSIONS, "words", *SIGNAL_NAMES):
        if key in row:
            row[key] = _float(row[key])
    row["label"] = row.get("label") or None
    return row


def is_scored(record: Mapping[str, Any]) -> bool:
    return _SCORED_KEYS <= set(record)


def audit_sources(
    sources: Sequence[str],
    model: Any,
    *,
    read_posts_kwargs: Mapping[str, Any] | None = None,
    chunk_size: int = 2000,
    target_rule: str = "80/20",
    examples: int = 5,
    on_chunk: Any = None,
) -> dict[str, Any]:
    """Audit raw inputs (scored here with ``model``) or files that ``score`` wrote.

    A scored file keeps its own labels, scores and signals; when it lacks the
    per-signal columns but has the text, the signal values are recomputed from
    the text (they do not depend on the model's weights).
    """
    from .scoring import single_threaded_blas

    with single_threaded_blas():
        return _audit(sources, model, read_posts_kwargs, chunk_size, target_rule, examples, on_chunk)


def _audit(sources, model, read_posts_kwargs, chunk_size, target_rule, examples, on_chunk) -> dict[str, Any]:
    from itertools import chain

    from .inputs import read_many
    from .readers import read_records
    from .report import signal_weights
    from .scoring import chunks, score_posts

    pipeline = model.pipeline
    builder = AuditBuilder(target_rule=target_rule, examples=examples, weights=signal_weights(pipeline))
    featurizer = pipeline.named_steps["features"]
    kwargs = dict(read_posts_kwargs or {})
    for source in sources:
        records = read_records(source, fmt=kwargs.get("fmt")) if _is_table(source) else iter(())
        first = next(records, None)
        if first is not None and is_scored(first):
            for chunk in chunks(chain([first], records), chunk_size):
                rows = [scored_row(r) for r in chunk]
                _fill_signal_values(rows, featurizer)
                builder.add(rows)
                if on_chunk:
                    on_chunk(len(rows))
            continue
        posts = read_many([source], **kwargs)
        for rows in score_posts(pipeline, posts, chunk_size=chunk_size, features=True,
                                function_head=model.function_head):
            builder.add(rows)
            if on_chunk:
                on_chunk(len(rows))
    return builder.finish()


def _is_table(source: str) -> bool:
    """A regular file in a table format (not stdin, not a folder or a platform archive)."""
    from pathlib import Path

    from .readers import detect_format, sniff_file_type

    path = Path(source)
    if source == "-" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(4)
    if sniff_file_type(head) in ("zip", "gzip") and detect_format(source) is None:
        return False
    return detect_format(source) in (None, "csv", "tsv", "jsonl", "json", "parquet")


def _fill_signal_values(rows: list[dict[str, Any]], featurizer: Any) -> None:
    missing = [r for r in rows if not any(k in r for k in SIGNAL_NAMES) and r.get("text")]
    if not missing:
        return
    from .posts import Post

    parsed = featurizer.parse([Post(id=str(r.get("id")), text=str(r["text"]), lang=r.get("lang"))
                               for r in missing])
    values = featurizer.signal_values(parsed)
    for r, v in zip(missing, values):
        r.update(zip(featurizer.signal_names_, map(float, v)))
