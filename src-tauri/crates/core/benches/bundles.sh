#!/usr/bin/env bash
# `make bench`: export and verify a signed bundle of a visit holding ~1 GB of photos, against the
# hashing limit of this machine (`openssl dgst -sha256` over the same files, one worker per core,
# SHA-NI) and against `bagit.py --validate --processes <cores>`, all in the same run. Prints times,
# ratios and peak memory for a small and the full bundle (memory must not grow with the bundle).
# Needs: the photo corpus of photos.sh (made first by `make bench`), openssl, bc, GNU time, bagit.py.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../../../.."
JOBS=$(nproc)
BASE=target/bench-photos/corpus-40
WORK=target/bench-bundles
MB=${BUNDLE_MB:-1000}
BIN=target/release/thamdinh
export THAMDINH_PASSPHRASE=bench-passphrase
[ -f "$BASE/.done" ] || { echo "run src-tauri/crates/core/benches/photos.sh first (it makes the corpus)"; exit 1; }
cargo build -q --release --locked -p thamdinh-cli

# ~1 GB of distinct photos: copies of the corpus, each made unique by bytes after the JPEG end
# marker (decoders ignore them, hashes differ). Ingested once into a store with the demo visit.
store_with() { # <dir> <megabytes>
  local dir=$1 want=$(( $2 * 1000 * 1000 )) total=0 i=0
  [ -f "$dir/.done" ] && return
  rm -rf "$dir" && mkdir -p "$dir/photos"
  while [ "$total" -lt "$want" ]; do
    for f in "$BASE"/*.jpg; do
      [ "$total" -ge "$want" ] && break
      i=$((i + 1)); cp "$f" "$dir/photos/p$i.jpg"; printf 'copy %d' "$i" >> "$dir/photos/p$i.jpg"
      total=$((total + $(stat -c %s "$dir/photos/p$i.jpg")))
    done
  done
  visit=$("$BIN" --data-dir "$dir/store" demo | tail -1)
  "$BIN" --data-dir "$dir/store" photos add --visit "$visit" "$dir/photos" >/dev/null
  echo "$visit" > "$dir/visit"
  "$BIN" key new --out "$dir/key" >/dev/null
  touch "$dir/.done"
}
store_with "$WORK/small" $((MB / 4))
store_with "$WORK/full" "$MB"

now() { date +%s.%N; }
best_of() { # best of 3 runs of "$@", in seconds
  local best=""
  for _ in 1 2 3; do
    local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    best=$(echo "$t1 - $t0" | bc -l | awk -v b="$best" '{ if (b == "" || $1 < b) print $1; else print b }')
  done
  echo "$best"
}
D=$WORK/full
export_full() { rm -f "$D/b.zip"; "$BIN" --data-dir "$D/store" bundle export --visit "$(cat "$D/visit")" --key "$D/key" --out "$D/b.zip"; }
verify_full() { "$BIN" bundle verify "$D/b.zip" --trust "$D/key.pub"; }
durable_copy() { rm -f "$D/copy.bin"; cat "$D/store/photos/originals"/* > "$D/copy.bin" && sync "$D/copy.bin"; }
hash_limit() { find "$D/store/photos/originals" -type f -print0 | xargs -0 -P "$JOBS" -n 8 openssl dgst -sha256; }
bagit_validate() { bagit.py --quiet --validate --processes "$JOBS" "$D/unzipped/$(ls "$D/unzipped")"; }

size=$(du -sm "$D/store/photos/originals" | cut -f1)
echo "bundle: $(ls "$D/store/photos/originals" | wc -l) photos, $size MB, $JOBS cores"
cat "$D/store/photos/originals"/* > /dev/null # warm the page cache for every contender alike
t_hash=$(best_of hash_limit)
t_copy=$(best_of durable_copy); rm -f "$D/copy.bin"
t_export=$(best_of export_full)
t_verify=$(best_of verify_full)
verify_full >/dev/null || { echo "the exported bundle does not verify"; exit 1; }
rm -rf "$D/unzipped" && mkdir "$D/unzipped" && (cd "$D/unzipped" && unzip -q ../b.zip)
t_bagit=$(best_of bagit_validate)
bagit_validate || { echo "bagit.py says the bundle is invalid"; exit 1; }
rm -rf "$D/unzipped"

peak() { { /usr/bin/time -f %M "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1; }
mem() { # <dir>: peak RSS in MB of export and verify
  local d=$1; rm -f "$d/m.zip"
  local e v
  e=$( { /usr/bin/time -f %M "$BIN" --data-dir "$d/store" bundle export --visit "$(cat "$d/visit")" --key "$d/key" --out "$d/m.zip" >/dev/null; } 2>&1 | tail -1)
  v=$( { /usr/bin/time -f %M "$BIN" bundle verify "$d/m.zip" --trust "$d/key.pub" >/dev/null; } 2>&1 | tail -1)
  rm -f "$d/m.zip"
  echo "$((e / 1024)) $((v / 1024))"
}
read -r small_e small_v < <(mem "$WORK/small")
read -r full_e full_v < <(mem "$WORK/full")
small_size=$(du -sm "$WORK/small/store/photos/originals" | cut -f1)

ratio() { echo "$1 / $2" | bc -l; }
printf 'hashing limit  openssl dgst -sha256 × %d: %.2f s\n' "$JOBS" "$t_hash"
printf 'durable copy   cat of the same photos into one file + fsync: %.2f s (the disk'"'"'s floor for any export)\n' "$t_copy"
printf 'bundle export  %.2f s = %.2f × the hashing limit (target ≤ 1.5), %.2f × the durable copy\n' \
  "$t_export" "$(ratio "$t_export" "$t_hash")" "$(ratio "$t_export" "$t_copy")"
printf 'bundle verify  %.2f s = %.2f × the hashing limit (target ≤ 1.5)\n' "$t_verify" "$(ratio "$t_verify" "$t_hash")"
printf 'bagit.py       --validate --processes %d: %.2f s → verify is %.2f× faster, export %.2f× faster (target > 1)\n' \
  "$JOBS" "$t_bagit" "$(ratio "$t_bagit" "$t_verify")" "$(ratio "$t_bagit" "$t_export")"
printf 'peak memory    export %d MB / verify %d MB for %d MB of photos; %d MB / %d MB for %d MB (flat = same)\n' \
  "$small_e" "$small_v" "$small_size" "$full_e" "$full_v" "$size"
