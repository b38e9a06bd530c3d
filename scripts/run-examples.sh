#!/usr/bin/env bash
# Runs every examples/*.lf through `lungfish run` and prints one line per program.
# Expected outcome by name: NAME.reject.lf is rejected (exit 4), NAME.violation.lf breaks an
# invariant (exit 1), anything else is ok (exit 0). A first line `# lungfish-args: ...` adds
# flags (e.g. --disable-check). Exits 1 if any program ends otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
lungfish=${LUNGFISH:-build/lungfish}
[ -x "$lungfish" ] || { echo "run-examples: $lungfish not built (run ./scripts/setup.sh)" >&2; exit 2; }

failed=0
total=0
for prog in examples/*.lf; do
  case "$prog" in
    *.reject.lf) want=4 ;;
    *.violation.lf) want=1 ;;
    *) want=0 ;;
  esac
  args=()
  first=$(head -n 1 "$prog")
  if [[ "$first" == "# lungfish-args:"* ]]; then
    read -r -a args <<<"${first#\# lungfish-args:}"
  fi
  set +e
  out=$("$lungfish" run "${args[@]}" "$prog" 2>&1)
  got=$?
  set -e
  total=$((total + 1))
  summary=$(printf '%s\n' "$out" | grep -E '^(rejected at|violation at|outcome:)' | head -n 1)
  if [ "$got" -eq "$want" ]; then
    printf 'PASS %-45s exit %d  %s\n' "$prog" "$got" "$summary"
  else
    printf 'FAIL %-45s exit %d, expected %d  %s\n' "$prog" "$got" "$want" "$summary"
    printf '%s\n' "$out" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
echo "examples: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
