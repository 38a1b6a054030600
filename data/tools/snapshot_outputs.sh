#!/usr/bin/env bash
# Write what the CLI outputs on the sample data and on every export fixture into one folder, so
# a refactor can be checked byte for byte: run it before and after, then `diff -r BEFORE AFTER`.
# Usage: data/tools/snapshot_outputs.sh OUTDIR   (from the project root, with .venv installed)
set -uo pipefail
out=${1:?usage: snapshot_outputs.sh OUTDIR}
ca=${CA:-.venv/bin/content-analyzer}
mkdir -p "$out"
run() {  # name, then the command's arguments; keeps stdout, stderr and the exit code
    local name=$1; shift
    "$ca" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
    echo "$?" >"$out/$name.rc"
}
run sample-csv score data/sample/posts.csv -o "$out/sample.csv" --force
run sample-jsonl score data/sample/posts.csv -o "$out/sample.jsonl" --force --features
run sample-stdout score data/sample/posts.csv -o - --top-k 3
run sample-w2 score data/sample/posts.csv -o "$out/sample-w2.csv" --force --workers 2 --chunk-size 7
run sample-report report data/sample/posts.csv -o "$out/sample-report.json" --force
run check-en check "Anyone tried the new trail shoes from Northwind?" --format json
run check-es check "¡Últimas horas! 30% de descuento en toda la tienda, link en bio 👉 #rebajas" --format json --top-k 3
run check-it check "Forza ragazzi, domani si vince! Siamo tutti con voi 💙"
run info info
run info-signals info --signals
for dir in $(find tests/fixtures/exports -mindepth 2 -maxdepth 2 | sort); do
    name=$(echo "${dir#tests/fixtures/exports/}" | tr '/' '_')
    run "export-$name" score "$dir" -o "$out/export-$name.jsonl" --force
done
# Paths of the output folder appear in messages; make them comparable across folders.
sed -i "s#$out#OUT#g" "$out"/*.stdout "$out"/*.stderr 2>/dev/null
# The report states when it was made; that line is the one expected difference between runs.
sed -i 's/"generated_at": "[^"]*"/"generated_at": "TIME"/' "$out"/*.json 2>/dev/null
exit 0
