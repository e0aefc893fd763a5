#!/usr/bin/env bash
# Fetch the console's browser assets (assets.txt) from the npm registry with `npm pack`, check each
# tarball against its pinned integrity, and place the files in src/peerbridge_console/static/vendor.
# Run by `make install` and by the console image build; does nothing when they are already there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vendor="$here/src/peerbridge_console/static/vendor"
mkdir -p "$vendor"
if ! command -v npm >/dev/null; then
  echo "[console] installing npm (apt-get)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
grep -v '^#' "$here/assets.txt" | while read -r package version integrity file target; do
  [[ -z $package ]] && continue
  stamp="$vendor/.$target.$version"
  [[ -f $stamp && -f $vendor/$target ]] && continue
  tarball="$(cd "$work" && npm pack --silent "$package@$version")"
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  [[ $actual == "$integrity" ]] || { echo "[console] $package@$version: integrity $actual, pinned $integrity" >&2; exit 1; }
  tar -xzf "$work/$tarball" -C "$work" "package/$file"
  cp "$work/package/$file" "$vendor/$target"
  rm -f "$vendor/.$target".*; touch "$stamp"
  echo "[console] $package@$version -> static/vendor/$target" >&2
done
