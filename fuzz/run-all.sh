#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds each (default 180), one after the
# other, logging to fuzz/logs/<target>.log. Needs cargo-fuzz; on a stable
# toolchain RUSTC_BOOTSTRAP=1 lets it pass its nightly-only flags.
set -uo pipefail
cd "$(dirname "$0")"
SECS=${SECS:-180}
export RUSTC_BOOTSTRAP=1
./seed.sh
mkdir -p logs
for t in ${TARGETS:-native reader csv livechat zendesk_chat sunshine intercom freshchat config}; do
  cargo fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 > "logs/$t.log" 2>&1
  echo "$t exit $?: $(grep -E '^(#[0-9]+: cov|Done)' "logs/$t.log" | tail -1)"
done
