#!/usr/bin/env bash
# Regenerates docs/results.md and docs/img/*.png from `rtcscamp simulate` runs.
#   scripts/results.sh            # the default set (about 28 min on 2 cores, 25 of them the nine 10^6 runs)
#   SIZES="1000" SEEDS=1 BIG= HUGE= RELN=1000 OUT=/tmp/r IMG=/tmp/r MD=/tmp/r/results.md scripts/results.sh   # smoke test
# Raw JSON of every run goes to docs/results/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000 10000"}
SEEDS=${SEEDS:-"1 2 3"}
BIG=${BIG-100000}          # sizes run with BIGSEEDS, 5 broadcasts
BIGSEEDS=${BIGSEEDS:-"1 2 3"}
HUGE=${HUGE-1000000}       # sizes run with HUGESEEDS, one broadcast (10^6 here: c = 0 ~1 min, c = 1 ~2.5, c = 2 ~5)
HUGESEEDS=${HUGESEEDS:-"1 2 3"}
RELN=${RELN:-10000}
dotnet build src/RtcScamp.Cli -c Release -v q -nologo >/dev/null
B=src/RtcScamp.Cli/bin/Release/net10.0/rtcscamp
OUT=${OUT:-docs/results}; IMG=${IMG:-docs/img}; MD=${MD:-docs/results.md}; mkdir -p "$OUT" "$IMG"
run() { local name=$1; shift; echo "== $name: $*" >&2; "$B" simulate --json "$@" --out "$OUT/$name.json" >/dev/null; }
for n in $SIZES; do for c in 0 1 2; do for s in $SEEDS; do
  extra=(); [ "$s" = 1 ] && extra=(--png "$IMG/views-n$n-c$c.png")
  run "views-n$n-c$c-s$s" --nodes "$n" --c "$c" --seed "$s" --trials 10 "${extra[@]}"
done; done; done
for n in $BIG; do for c in 0 1 2; do for s in $BIGSEEDS; do
  extra=(); [ "$s" = 1 ] && extra=(--png "$IMG/views-n$n-c$c.png")
  run "views-n$n-c$c-s$s" --nodes "$n" --c "$c" --seed "$s" --trials 5 "${extra[@]}"
done; done; done
for n in $HUGE; do for c in 0 1 2; do for s in $HUGESEEDS; do
  extra=(); [ "$s" = 1 ] && extra=(--png "$IMG/views-n$n-c$c.png")
  run "views-n$n-c$c-s$s" --nodes "$n" --c "$c" --seed "$s" --trials 1 "${extra[@]}"
done; done; done
for f in 0 0.1 0.3 0.5; do run "fail-$f" --nodes "$RELN" --c 1 --seed 1 --fail "$f" --trials 20; done
run "lease" --nodes 1000 --c 1 --seed 1 --trials 0 --join-interval 1000 --lease 60000 --duration 600000 --sample 60000
run "churn" --nodes 1000 --c 1 --seed 1 --trials 0 --join-interval 1000 --lease 60000 --churn 1 --duration 600000 --sample 60000
run "partition-short" --nodes 1000 --c 1 --seed 1 --trials 0 --join-interval 1000 --partition 0.3:60000:10000 --duration 300000 --sample 30000
run "partition-long" --nodes 1000 --c 1 --seed 1 --trials 0 --join-interval 1000 --partition 0.3:60000:120000 --duration 300000 --sample 30000
python3 scripts/results_table.py "$OUT" "$IMG" > "$MD"
echo "wrote $MD" >&2
