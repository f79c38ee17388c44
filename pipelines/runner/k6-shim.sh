#!/bin/sh
# `k6` in crosswind's runner image. k6-operator starts every runner pod as `k6 run [segment] <archive> --address ...
# --tag instance_id=<n> ...`: with a results location in the pod's environment (CROSSWIND_RUNNER_RESULTS, set by the
# TestRun crosswind applies) that run goes through `crosswind runner`, which streams its NDJSON to S3. Anything else
# (k6-operator's `k6 archive` and `k6 inspect`, a plain `k6 run`) is the real k6, unchanged.
if [ "$1" = "run" ] && [ -n "$CROSSWIND_RUNNER_RESULTS" ]; then
  exec crosswind runner -- "$@"
fi
exec "${CROSSWIND_K6:-/usr/local/lib/crosswind/k6}" "$@"
