#!/usr/bin/env bash
# npm run setup:lean — install the pinned Lean toolchain, build the Lean REPL and proofline-audit,
# and lay out the Lean home that proofline uses (pipeline/lean/toolchain.ts):
#
#   lean-project/.lake/proofline-home/
#     bin/lean bin/lake bin/leanchecker   symlinks into elan's copy of the pinned toolchain
#     bin/repl                            the Lean REPL (leanprover-community/repl at the same tag)
#     bin/proofline-audit                 the trusted L3 auditor (Proofline/Audit.lean)
#     project -> the Lake project used as cwd (lean-project/, or .lake/with-mathlib/)
#
# Environment:
#   PROOFLINE_WITH_MATHLIB=1                 also fetch Mathlib (tag = toolchain tag) and its build cache
#   PROOFLINE_SETUP_PROBE_URL=URL            where the connectivity check looks (default https://github.com)
#   PROOFLINE_SETUP_SKIP_NETWORK_CHECK=1     skip that check (everything already downloaded)
#   ELAN_HOME                                elan's home (default ~/.elan)
#
# Exit codes: 0 done; 3 no route to the download servers; 1 anything else (message on stderr).
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLCHAIN="$(tr -d '[:space:]' < "$PROJECT_DIR/lean-toolchain")"
HOME_DIR="$PROJECT_DIR/.lake/proofline-home"
WITH_MATHLIB="${PROOFLINE_WITH_MATHLIB:-0}"
PROBE_URL="${PROOFLINE_SETUP_PROBE_URL:-https://github.com}"
export ELAN_HOME="${ELAN_HOME:-$HOME/.elan}"
export PATH="$ELAN_HOME/bin:$PATH"

say() { printf 'setup:lean: %s\n' "$*" >&2; }

fail() {
  say "$1"
  exit 1
}

# The one message for every failed download: what failed, why that usually happens, what to do.
offline() {
  cat >&2 <<EOF
setup:lean: cannot install the Lean toolchain: $1.
This machine has no route to the Lean release servers (GitHub and its release downloads, which
serve elan, the ${TOOLCHAIN} toolchain, the Lean REPL and Mathlib), so nothing was installed.
To proceed, do one of:
  - run \`npm run setup:lean\` on a machine where github.com and its release downloads are reachable;
  - use the container image, which has the toolchain built in (infra/lean.Dockerfile, infra/README.md);
  - point PROOFLINE_LEAN_HOME at an existing Lean home
    (bin/{lean,lake,leanchecker,repl,proofline-audit} and project/, as this script lays out).
EOF
  exit 3
}

check_network() {
  [ "${PROOFLINE_SETUP_SKIP_NETWORK_CHECK:-0}" = 1 ] && return 0
  command -v curl >/dev/null || fail "curl is required (apt-get install curl)."
  local error
  if ! error="$(curl -sS -o /dev/null --connect-timeout 5 --max-time 10 "$PROBE_URL" 2>&1)"; then
    offline "could not reach ${PROBE_URL} (${error:-curl failed})"
  fi
}

install_official_elan() {
  local installer
  installer="$(mktemp)"
  say "installing elan with the official installer into ${ELAN_HOME}"
  curl -sSfL --connect-timeout 10 https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh \
    -o "$installer" || offline "downloading the elan installer failed"
  sh "$installer" -y --no-modify-path --default-toolchain none >&2 || offline "the elan installer failed"
  rm -f "$installer"
}

# elan: already installed, else the Debian package, else the official installer.
ELAN_FROM_APT=0
ensure_elan() {
  command -v elan >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    && apt-cache policy elan 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "installing elan from the Debian package"
    if apt-get install -y elan >&2; then ELAN_FROM_APT=1; else say "apt-get install elan failed"; fi
  fi
  command -v elan >/dev/null || install_official_elan
  command -v elan >/dev/null || fail "elan is still not on PATH after installing it (ELAN_HOME=${ELAN_HOME})."
}

install_toolchain() {
  say "installing ${TOOLCHAIN}"
  elan toolchain install "$TOOLCHAIN" >&2 && return 0
  if [ "$ELAN_FROM_APT" = 1 ]; then
    say "the Debian elan could not install ${TOOLCHAIN}; trying the official elan"
    install_official_elan
    hash -r
    elan toolchain install "$TOOLCHAIN" >&2 && return 0
  fi
  offline "elan could not download ${TOOLCHAIN}"
}

# The toolchain's real bin directory (not elan's proxies), so the home pins one exact toolchain.
toolchain_bin() {
  local lean
  lean="$(cd "$PROJECT_DIR" && elan which lean 2>/dev/null)" || lean=""
  if [ -z "$lean" ]; then
    local dir="${TOOLCHAIN//\//--}"
    lean="$ELAN_HOME/toolchains/${dir//:/---}/bin/lean"
  fi
  [ -x "$lean" ] || fail "cannot find the lean binary of ${TOOLCHAIN} (looked at ${lean})."
  dirname "$(realpath "$lean")"
}

# Core: lean-project itself. Mathlib: a generated project in .lake/with-mathlib that shares
# Proofline/ and adds the Mathlib require, so the committed lakefile never changes.
prepare_build_dir() {
  if [ "$WITH_MATHLIB" = 1 ]; then
    local dir="$PROJECT_DIR/.lake/with-mathlib"
    mkdir -p "$dir"
    cp "$PROJECT_DIR/lean-toolchain" "$dir/lean-toolchain"
    cat "$PROJECT_DIR/lakefile.toml" "$PROJECT_DIR/mathlib.require.toml" > "$dir/lakefile.toml"
    ln -sfn ../../Proofline "$dir/Proofline"
    echo "$dir"
  else
    echo "$PROJECT_DIR"
  fi
}

build_project() {
  local lake="$1" dir="$2"
  cd "$dir"
  if [ ! -f lake-manifest.json ]; then
    say "resolving dependencies (lake update) in ${dir}"
    "$lake" update >&2 || offline "\`lake update\` could not fetch the dependencies (output above)"
  fi
  if [ "$WITH_MATHLIB" = 1 ]; then
    say "fetching the Mathlib build cache"
    "$lake" exe cache get >&2 || offline "\`lake exe cache get\` could not download the Mathlib cache"
  fi
  say "building proofline-audit and the REPL"
  "$lake" build proofline-audit @REPL/repl >&2 \
    || fail "\`lake build proofline-audit @REPL/repl\` failed in ${dir} (output above). If it failed while cloning, this machine cannot reach GitHub."
}

# Builds the home next to its final place and swaps it in, so a failed run leaves the old one.
lay_out_home() {
  local tc_bin="$1" dir="$2" repl audit staging="$HOME_DIR.staging"
  audit="$dir/.lake/build/bin/proofline-audit"
  repl="$(find "$dir/.lake/packages" -path '*/.lake/build/bin/repl' -type f 2>/dev/null | head -n 1)"
  [ -x "$audit" ] || fail "proofline-audit was not built (expected ${audit})."
  [ -n "$repl" ] || fail "the REPL was not built (no .lake/packages/*/.lake/build/bin/repl under ${dir})."
  [ -x "$tc_bin/leanchecker" ] || fail "${TOOLCHAIN} has no leanchecker (it ships from v4.28.0 on)."
  rm -rf "$staging"
  mkdir -p "$staging/bin"
  local tool
  for tool in lean lake leanchecker; do ln -s "$tc_bin/$tool" "$staging/bin/$tool"; done
  ln -s "$(realpath --relative-to="$staging/bin" "$repl")" "$staging/bin/repl"
  ln -s "$(realpath --relative-to="$staging/bin" "$audit")" "$staging/bin/proofline-audit"
  ln -s "$(realpath --relative-to="$staging" "$dir")" "$staging/project"
  rm -rf "$HOME_DIR"
  mv "$staging" "$HOME_DIR"
}

# Exercise the home once: compile a reference and a candidate, replay, audit.
self_test() {
  local tc_bin="$1" bin="$HOME_DIR/bin" tmp lean_path out module
  tmp="$(mktemp -d)"
  lean_path="$(cd "$HOME_DIR/project" && "$bin/lake" env printenv LEAN_PATH)"
  printf 'theorem proofline_selftest : 1 + 1 = 2 := by sorry\n' > "$tmp/Reference.lean"
  printf 'theorem proofline_selftest : 1 + 1 = 2 := by decide\n' > "$tmp/Candidate.lean"
  for module in Reference Candidate; do
    (cd "$tmp" && LEAN_PATH="$lean_path" "$bin/lean" -R "$tmp" -o "$tmp/$module.olean" "$tmp/$module.lean" >/dev/null) \
      || fail "self-test: lean could not compile ${module}.lean"
  done
  (cd "$tmp" && LEAN_PATH="$lean_path:$tmp" "$bin/leanchecker" Candidate >/dev/null) \
    || fail "self-test: leanchecker rejected a trivial module"
  out="$(cd "$tmp" && LEAN_SYSROOT="$(dirname "$tc_bin")" LEAN_PATH="$lean_path" "$bin/proofline-audit" \
    --candidate Candidate --reference Reference --target proofline_selftest --search-path "$tmp")" \
    || fail "self-test: proofline-audit failed"
  # Key order is Lean's own; check each field on its own.
  local expected
  for expected in '"found":true' '"type_matches":true' '"constants_mismatched":[]' '"kind":"theorem"'; do
    [[ "$out" == *"$expected"* ]] || fail "self-test: proofline-audit printed ${out} (expected ${expected})"
  done
  rm -rf "$tmp"
  say "self-test passed: ${out}"
}

main() {
  check_network
  ensure_elan
  install_toolchain
  local tc_bin dir
  tc_bin="$(toolchain_bin)"
  dir="$(prepare_build_dir)"
  build_project "$tc_bin/lake" "$dir"
  lay_out_home "$tc_bin" "$dir"
  self_test "$tc_bin"
  say "done: Lean home at ${HOME_DIR} ($("$HOME_DIR/bin/lean" --version))"
}

main "$@"
