#!/bin/sh
# Gathers what one image runs into $1: the installed production node_modules and, for every
# gpulab workspace linked there, its manifest and compiled output without tests; then any extra
# paths named after it (the gateway's proto/ for server reflection).
# Usage (in the build's /src, after `npm ci --omit=dev -w <package>`): collect-runtime.sh OUT [PATH...]
set -eu
out="$1"
shift
mkdir -p "$out"
cp package.json "$out/"
cp -a node_modules "$out/"
for link in node_modules/@gpulab/*; do
  [ -L "$link" ] || continue
  dir=$(cd "$link" && pwd -P)
  rel=${dir#"$PWD"/}
  mkdir -p "$out/$rel"
  cp "$rel/package.json" "$out/$rel/"
  if [ -d "$rel/dist" ]; then cp -a "$rel/dist" "$out/$rel/"; fi
  if [ -d "$rel/node_modules" ]; then cp -a "$rel/node_modules" "$out/$rel/"; fi
done
for extra in "$@"; do
  mkdir -p "$out/$(dirname "$extra")"
  cp -a "$extra" "$out/$extra"
done
find "$out" -name node_modules -prune -o \( -name '*.test.js' -o -name '*.test.d.ts' -o -name '*.test.js.map' -o -name '.tsbuildinfo' \) -exec rm -f {} +
