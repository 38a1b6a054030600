"""The import directions of docs/architecture.md, checked over every import in analyzer/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "analyzer"
LAYERS = [
    ["errors", "formats", "filetypes"],
    ["posts", "lexicons", "files", "row_values", "numbers", "patterns", "keyindex", "modelfiles"],
    ["nlp", "languages", "lexemes", "signals", "readers", "exports", "writers", "metrics", "charts", "card",
     "selection", "labelfile"],
    ["inputs", "blocks", "parsing", "checkpoint", "augment", "advice", "audit_examples", "scored_files"],
    ["features"],
    ["explain", "fastform"],
    ["model", "persistence", "evaluation", "terminal", "report", "report_model"],
    ["scoring", "training", "adaptation", "labeling", "learning_curve"],
    ["audit", "dask_engine", "audit_files"],
    ["score_files"],
    ["cli", "__main__"],
]
LAYER = {m: i for i, ms in enumerate(LAYERS) for m in ms}
APART = {("readers", "exports"), ("exports", "readers")}  # same layer, never each other


def top_module(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    """First-level analyzer modules ``path`` imports (module level and inside functions)."""
    rel = path.relative_to(ROOT).parts
    depth = len(rel) - 1  # folders below analyzer/
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 < depth:  # inside its own package
                    continue
                names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            elif node.module and node.module.split(".")[0] == "analyzer":
                parts = node.module.split(".")
                names = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
            else:
                continue
            out.update(n for n in names if n in LAYER)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "analyzer" and len(parts) > 1 and parts[1] in LAYER:
                    out.add(parts[1])
    return out


def test_every_module_has_a_layer():
    modules = {top_module(p) for p in ROOT.rglob("*.py")} - {"__init__"}
    assert modules <= set(LAYER), sorted(modules - set(LAYER))


def test_imports_only_go_down():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        me = top_module(path)
        if me == "__init__":
            continue
        for other in imports(path):
            if other != me and (LAYER[other] > LAYER[me] or (me, other) in APART):
                wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    assert wrong == []


def test_the_check_sees_a_wrong_import(tmp_path):
    bad = ROOT / "errors.py"
    source = bad.read_text("utf-8") + "\n\ndef _x():\n    from .cli import app\n"
    probe = tmp_path / "analyzer" / "errors.py"
    probe.parent.mkdir()
    probe.write_text(source, "utf-8")
    assert "cli" in {n for n in _imports_at(probe, tmp_path / "analyzer")}


def _imports_at(path: Path, root: Path) -> set[str]:
    global ROOT
    saved, ROOT = ROOT, root
    try:
        return imports(path)
    finally:
        ROOT = saved
