#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs taken from the repository's
# fixtures (idempotent). Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fx="$here/../fixtures"
seed() { # target files...
  local t=$1; shift
  mkdir -p "$here/corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$here/corpus/$t/$(echo "$f" | sed "s|$fx/||; s|/|_|g")"
  done
}
seed reader "$fx"/formats/*.json "$fx"/formats/*.jsonl "$fx"/demo/*.jsonl "$fx"/rules/*/*.jsonl "$fx"/hostile/*.json "$fx"/hostile/*.jsonl
# One record per file for the record parser.
mkdir -p "$here/corpus/native"
i=0
for f in "$fx"/formats/chats.jsonl "$fx"/rules/*/*.jsonl "$fx"/hostile/*.jsonl; do
  [ -f "$f" ] || continue
  while IFS= read -r line; do
    i=$((i + 1)); printf '%s' "$line" > "$here/corpus/native/rec-$i.json"
  done < "$f"
done
seed csv "$fx"/formats/*.csv "$fx"/hostile/*.csv
seed livechat "$fx"/platforms/livechat/*.json
seed zendesk_chat "$fx"/platforms/zendesk-chat/*.json
seed sunshine "$fx"/platforms/sunshine/export/*.json
seed intercom "$fx"/platforms/intercom/*.json
seed freshchat "$fx"/platforms/freshchat/export/*.json
seed config "$here/../rules/defaults.toml" "$fx"/hostile/*.toml
# Regression inputs found by fuzzing are seeds too.
for d in "$fx"/hostile/fuzz/*/; do
  [ -d "$d" ] && seed "$(basename "$d")" "$d"*
done
echo "seeded: $(ls "$here/corpus" | tr '\n' ' ')"
