"""Regenerate the numbers README.md quotes from the bundled model, after retraining it.

    .venv/bin/python data/tools/readme_numbers.py          # rewrite README.md in place
    .venv/bin/python data/tools/readme_numbers.py --check  # exit 1 if README.md is stale

- every ``$ content-analyzer check ...`` example is run again and its output replaced;
- the table under "## The bundled model, measured" is the model card's "## Summary" table;
- "Trained on N posts" is the model's training size.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "analyzer"]
CHECK = re.compile(r"(```console\n)(\$ content-analyzer check [^\n]*\n)(.*?)(```)", re.S)


def run_check(command: str) -> str:
    args = shlex.split(command[2:])[1:]  # drop "$ " and "content-analyzer"
    out = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"COLUMNS": "100", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}).stdout
    if "--format" in args and args[args.index("--format") + 1] == "json":
        out = "".join(json.dumps(json.loads(line), ensure_ascii=False, indent=1) + "\n"
                      for line in out.splitlines() if line.strip())
    return "\n".join(line.rstrip() for line in out.splitlines()).rstrip("\n") + "\n"


def card_table(card: str) -> list[str]:
    section = card[card.index("## Summary"):]
    section = section[:section.index("\n## ", 3)] if "\n## " in section[3:] else section
    return [line for line in section.splitlines() if line.startswith("|")]


def rewrite(readme: str) -> str:
    readme = CHECK.sub(lambda m: m.group(1) + m.group(2) + run_check(m.group(2).strip()) + m.group(4), readme)
    card = (ROOT / "models" / "default" / "README.md").read_text("utf-8")
    meta = json.loads((ROOT / "models" / "default" / "meta.json").read_text("utf-8"))
    head = "## The bundled model, measured\n\n"
    start = readme.index(head) + len(head)
    end = readme.index("\n\n", start)
    readme = readme[:start] + "\n".join(card_table(card)) + readme[end:]
    n = meta["training"]["n_posts"]
    return re.sub(r"Trained on [\d,]+ posts", f"Trained on {n:,} posts", readme)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only say whether README.md is up to date")
    args = ap.parse_args()
    path = ROOT / "README.md"
    old = path.read_text("utf-8")
    new = rewrite(old)
    if args.check:
        print("README.md is up to date" if new == old else "README.md is stale: run data/tools/readme_numbers.py")
        raise SystemExit(0 if new == old else 1)
    path.write_text(new, "utf-8")
    print("README.md rewritten" if new != old else "README.md already up to date")


if __name__ == "__main__":
    main()
