#!/usr/bin/env bash
# Same-run ingest comparison of two crmkit checkouts (e.g. a release and main), alternating them for each backend.
# Usage: bash bench/compare/run.sh BEFORE_DIR AFTER_DIR [PEOPLE] [ROUNDS]
# Each checkout needs `npm ci`; the script copies bench/compare/ingest.ts into it for the run and removes it again.
# Prints one line per run: round, side, backend, records, seconds, records/s. PostgreSQL runs use DATABASE_URL.
set -u
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
here="$(cd "$(dirname "$0")" && pwd)"
before=$1; after=$2; people=${3:-10000}; rounds=${4:-3}
for round in $(seq 1 "$rounds"); do
  for backend in memory pglite postgres; do
    for side in before after; do
      dir=$before; [ "$side" = after ] && dir=$after
      cp "$here/ingest.ts" "$dir/compare-ingest.ts"
      out=$(cd "$dir" && node --conditions=@crmkit/source --import tsx ./compare-ingest.ts "$backend" "$people" 2>&1 | tail -1)
      echo "round=$round side=$side $out"
      rm -f "$dir/compare-ingest.ts"
    done
  done
done
