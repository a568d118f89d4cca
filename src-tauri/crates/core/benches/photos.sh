#!/usr/bin/env bash
# `make bench`: photo ingest (hash + EXIF + thumbnail + store) against vipsthumbnail making the
# same 320 px thumbnails plus `openssl dgst -sha256` of the originals, with the same parallelism,
# in the same run. Prints times, the ratio (baseline / ours: ≥ 1.0 means at least as fast) and
# peak memory. Needs: imagemagick, libimage-exiftool-perl, libvips-tools, openssl, GNU time.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../../../.."
N=${PHOTOS:-40}
JOBS=$(nproc)
CORPUS=target/bench-photos/corpus-$N
BIN=target/release/thamdinh

# A corpus of camera-like 12 MP JPEGs with EXIF, made once and kept.
if [ ! -f "$CORPUS/.done" ]; then
  rm -rf "$CORPUS" && mkdir -p "$CORPUS"
  echo "generating $N photos of 4000×3000 in $CORPUS…"
  /usr/bin/convert -size 1000x750 plasma:fractal -resize 4000x3000! -attenuate 0.4 +noise Gaussian "$CORPUS/base.png"
  seq 1 "$N" | xargs -P "$JOBS" -I{} sh -c \
    '/usr/bin/convert "$0/base.png" -modulate 100,100,$((50 + {})) -quality 92 "$0/photo-{}.jpg"' "$CORPUS"
  rm "$CORPUS/base.png"
  for i in $(seq 1 "$N"); do
    o=$(( (i % 4 == 0) ? 6 : 1 ))
    exiftool -q -overwrite_original -Make=Canon "-Model=Canon EOS 90D" "-Orientation#=$o" \
      "-DateTimeOriginal=2025:11:20 09:$(printf %02d $((i % 60))):00" -OffsetTimeOriginal=+07:00 \
      -GPSLatitude=18.3583 -GPSLatitudeRef=N -GPSLongitude=105.8877 -GPSLongitudeRef=E "$CORPUS/photo-$i.jpg"
  done
  touch "$CORPUS/.done"
fi
cargo build -q --release --locked -p thamdinh-cli
size=$(du -sm "$CORPUS" | cut -f1)
echo "corpus: $N photos, $size MB, $JOBS workers"

now() { date +%s.%N; }
best_of() { # best of 3 runs of "$@", in seconds
  local best=""
  for _ in 1 2 3; do
    local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now)
    best=$(echo "$t1 - $t0" | bc -l | awk -v b="$best" '{ if (b == "" || $1 < b) print $1; else print b }')
  done
  echo "$best"
}
ours() {
  rm -rf target/bench-photos/store
  "$BIN" photos ingest --jobs "$JOBS" --store target/bench-photos/store "$CORPUS"
}
baseline() {
  rm -rf target/bench-photos/vips && mkdir -p target/bench-photos/vips
  ls "$CORPUS"/*.jpg | xargs -P "$JOBS" -n 4 sh -c \
    'vipsthumbnail --size 320 -o "'"$PWD"'/target/bench-photos/vips/%s.jpg" "$@" && openssl dgst -sha256 "$@"' _
}
t_ours=$(best_of ours)
t_base=$(best_of baseline)
mem=$( { /usr/bin/time -f %M "$BIN" photos ingest --jobs "$JOBS" --store target/bench-photos/store-mem "$CORPUS" >/dev/null; } 2>&1 | tail -1)
rm -rf target/bench-photos/store-mem
# 200 distinct photos for the memory target: copies of the corpus made unique by bytes after the
# JPEG end marker (decoders ignore them, hashes differ).
MANY=target/bench-photos/many-200
if [ ! -f "$MANY/.done" ]; then
  rm -rf "$MANY" && mkdir -p "$MANY"
  for i in $(seq 1 200); do
    f=$(ls "$CORPUS"/*.jpg | sed -n "$(( (i - 1) % N + 1 ))p")
    cp "$f" "$MANY/p$i.jpg" && printf 'copy %d' "$i" >> "$MANY/p$i.jpg"
  done
  touch "$MANY/.done"
fi
mem200=$( { /usr/bin/time -f %M "$BIN" photos ingest --jobs "$JOBS" --store target/bench-photos/store-mem "$MANY" >/dev/null; } 2>&1 | tail -1)
rm -rf target/bench-photos/store-mem
printf 'photo ingest   ours %.2f s   vipsthumbnail + openssl %.2f s   ratio %.2f (≥ 1.0 = at least as fast)\n' \
  "$t_ours" "$t_base" "$(echo "$t_base / $t_ours" | bc -l)"
printf 'peak memory    %d MB for %d photos, %d MB for 200 (target ≤ 200 MB for 200)\n' $((mem / 1024)) "$N" $((mem200 / 1024))
