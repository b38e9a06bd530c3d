#!/usr/bin/env bash
# The main job on bundled defaults: (1) a short `check` campaign — random programs, every
# invariant after every statement; (2) replay of the bundled real recordings (FrankenScript
# pldi2025, Release and Debug builds, each laid out as a user has it: NAME.frank, its raw log
# NAME.out and mermaid.md) with the verdicts summarised and the first defect of each shown;
# (3) the example programs. Exits 1 if the campaign finds a violation, a recording's verdict
# differs from tests/inputs/frankenscript-probes/verdicts.tsv, or an example ends otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
lungfish=${LUNGFISH:-build/lungfish}
[ -x "$lungfish" ] || { echo "main-job: $lungfish not built (run ./scripts/setup.sh)" >&2; exit 2; }
status=0

echo "== 1. check: do the rules keep the invariants? (5000 random programs, seed 1)"
"$lungfish" check --count 5000 --seed 1 --progress 0 || status=1

echo
echo "== 2. replay: what FrankenScript recorded, judged against the model"
probes=tests/inputs/frankenscript-probes
declare -A count=()
total=0
mismatch=0
while IFS=$'\t' read -r build name want _outcome _what; do
  [[ -z "$build" || "$build" == \#* ]] && continue
  set +e
  out=$("$lungfish" replay "$probes/$build/$name/mermaid.md" 2>&1)
  set -e
  total=$((total + 1))
  defect=$(printf '%s\n' "$out" | sed -n 's/^ *runtime defect: //p' | head -n 1)
  if [ -n "$defect" ]; then got="defect:$defect"; else got=clean; fi
  if [ "$got" != "$want" ]; then
    echo "  MISMATCH $build/$name: replay says '$got', verdicts.tsv '$want'"
    mismatch=$((mismatch + 1))
  fi
  count["$got"]=$((${count["$got"]:-0} + 1))
done <"$probes/verdicts.tsv"
echo "  $total recordings replayed ($probes/{release,debug}/*/mermaid.md):"
for k in "${!count[@]}"; do printf '    %4d  %s\n' "${count[$k]}" "$k"; done | sort -rn
[ "$mismatch" -eq 0 ] || status=1
echo "  one of them in full: $lungfish replay $probes/release/abort_close_outside_ref/mermaid.md"
set +e
full=$("$lungfish" replay "$probes/release/abort_close_outside_ref/mermaid.md" 2>&1)
rc=$?
set -e
printf '%s\n' "$full" | sed 's/^/    /'
[ "$rc" -eq 1 ] || { echo "  expected exit 1 (a finding), got $rc"; status=1; }

echo
echo "== 3. the example programs"
./scripts/run-examples.sh || status=1

echo
echo "Where to look: docs/differential-testing.md (replaying your runtime's recordings, diff),"
echo "docs/cli.md (every command), docs/semantics.md (the rules and invariants)."
exit "$status"
