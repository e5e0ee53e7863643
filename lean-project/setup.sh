#!/usr/bin/env bash
# npm run setup:lean — check the machine, install the pinned Lean toolchain, build the Lean REPL and
# proofline-audit, and lay out the Lean home that proofline uses (pipeline/lean/toolchain.ts):
#
#   lean-project/.lake/proofline-home/
#     bin/lean bin/lake bin/leanchecker   symlinks into elan's copy of the pinned toolchain
#     bin/repl                            the Lean REPL (leanprover-community/repl, pinned in lakefile.toml)
#     bin/proofline-audit                 the trusted L3 auditor (Proofline/Audit.lean)
#     project -> the Lake project used as cwd (lean-project/, or .lake/with-mathlib/)
#
# Environment:
#   PROOFLINE_SANDBOX=bwrap|container|none   the sandbox that will run Lean (default bwrap, as in the
#                                            config); only bwrap is checked here, and only bwrap stops
#                                            the setup when it cannot work
#   PROOFLINE_WITH_MATHLIB=1                 also fetch Mathlib (mathlib.require.toml) and its build cache
#   PROOFLINE_SETUP_PROBE_URL=URL            where the connectivity check looks (default https://github.com)
#   PROOFLINE_SETUP_SKIP_NETWORK_CHECK=1     skip that check (everything already downloaded)
#   ELAN_HOME                                elan's home (default ~/.elan)
#
# Exit codes: 0 done; 3 no route to the download servers; 4 the default sandbox (bwrap) cannot work
# on this machine; 1 anything else. Every failure ends with a `setup:lean:` line on stderr.
#
# Portable to macOS's bash 3.2 and BSD tools: no `realpath`, no GNU-only options.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOME_DIR="$PROJECT_DIR/.lake/proofline-home"
WITH_MATHLIB="${PROOFLINE_WITH_MATHLIB:-0}"
PROBE_URL="${PROOFLINE_SETUP_PROBE_URL:-https://github.com}"
SANDBOX="${PROOFLINE_SANDBOX:-bwrap}"
export ELAN_HOME="${ELAN_HOME:-$HOME/.elan}"
export PATH="$ELAN_HOME/bin:$PATH"

# What the script is doing, for the last line when something fails without its own message.
STEP="starting"
# Scratch space of this run; `fail` and `offline` leave a mark here so that the exit trap knows the
# failure was already explained (they may run inside a command substitution, a subshell of ours).
WORK_DIR=""

say() { printf 'setup:lean: %s\n' "$*" >&2; }

mark_reported() { [ -n "$WORK_DIR" ] && : > "$WORK_DIR/reported" 2>/dev/null || true; }

fail() {
  say "$1"
  mark_reported
  exit 1
}

# set -e stops the script at the first failing command; a failure inside a command substitution, a
# pipe or a library command prints at best the command's own error. This names the step.
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && { [ -z "$WORK_DIR" ] || [ ! -e "$WORK_DIR/reported" ]; }; then
    say "stopped while ${STEP}: a command failed (exit ${status}; its own output, if any, is above). Rerun with \`bash -x lean-project/setup.sh\` to see which."
  fi
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
}
trap on_exit EXIT

# The one message for every failed download: what failed, why that usually happens, what to do.
offline() {
  cat >&2 <<EOF
setup:lean: cannot install the Lean toolchain: $1.
This machine has no route to the Lean release servers (GitHub and its release downloads, and
release.lean-lang.org, which serve elan, the ${TOOLCHAIN:-pinned} toolchain, the Lean REPL and Mathlib), so nothing was installed.
To proceed, do one of:
  - run \`npm run setup:lean\` on a machine where github.com and its release downloads are reachable;
  - use the container image, which has the toolchain built in (infra/lean.Dockerfile, infra/README.md);
  - point PROOFLINE_LEAN_HOME at an existing Lean home
    (bin/{lean,lake,leanchecker,repl,proofline-audit} and project/, as this script lays out).
EOF
  mark_reported
  exit 3
}

# ---------------------------------------------------------------------------------------------
# Prerequisites, checked before anything is downloaded.

# One line of the prerequisites table: name, state, detail.
row() { printf '  %-11s %-9s %s\n' "$1" "$2" "$3" >&2; }

PROBE_OUTPUT=""
# Runs the same kind of launch as the bwrap driver (pipeline/lean/sandbox/bwrap-driver.ts): all
# namespaces unshared, prlimit inside. Sets PROBE_OUTPUT to what bwrap printed.
probe_bwrap() {
  local bwrap="$1" prlimit="$2" deadline=()
  command -v timeout >/dev/null 2>&1 && deadline=(timeout 20)
  local inner=(true)
  [ -n "$prlimit" ] && inner=("$prlimit" --nofile=256 -- true)
  # ${a[@]+"${a[@]}"}: an empty array is "unbound" to bash 3.2 under set -u.
  if PROBE_OUTPUT="$(${deadline[@]+"${deadline[@]}"} "$bwrap" --unshare-all --die-with-parent --new-session \
    --ro-bind / / --proc /proc --dev /dev -- "${inner[@]}" 2>&1)"; then
    return 0
  fi
  PROBE_OUTPUT="${PROBE_OUTPUT:-bwrap exited non-zero and printed nothing}"
  return 1
}

sysctl_value() { if [ -r "$1" ]; then tr -d '[:space:]' < "$1"; else printf 'absent'; fi; }

namespace_fixes() {
  cat >&2 <<EOF
  bwrap could not create its namespaces. Unprivileged user namespaces are off or restricted here
  (kernel.apparmor_restrict_unprivileged_userns=$(sysctl_value /proc/sys/kernel/apparmor_restrict_unprivileged_userns),\
 kernel.unprivileged_userns_clone=$(sysctl_value /proc/sys/kernel/unprivileged_userns_clone),\
 user.max_user_namespaces=$(sysctl_value /proc/sys/user/max_user_namespaces)). To allow them:
    - Ubuntu 23.10 and later (AppArmor restricts unprivileged user namespaces): give bwrap the
      AppArmor profile Ubuntu ships for it (on 25.04 and later it is already in /etc/apparmor.d):
        sudo apt-get install apparmor-profiles
        sudo install -m 0644 /usr/share/apparmor/extra-profiles/bwrap-userns-restrict /etc/apparmor.d/
        sudo apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict
      or lift the restriction for every program (weaker):
        sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
        echo kernel.apparmor_restrict_unprivileged_userns=0 | sudo tee /etc/sysctl.d/60-proofline-userns.conf
    - Debian before 11 and other kernels with the switch: sudo sysctl -w kernel.unprivileged_userns_clone=1
    - user.max_user_namespaces=0: sudo sysctl -w user.max_user_namespaces=15000
    - inside a Docker container: run it with --security-opt seccomp=unconfined --security-opt
      apparmor=unconfined, or let the container be the sandbox (infra/README.md).
EOF
}

check_prerequisites() {
  STEP="checking the prerequisites"
  local missing_required=0 sandbox_broken=0 path
  case "$SANDBOX" in
    bwrap | container | none) ;;
    *) fail "PROOFLINE_SANDBOX must be bwrap, container or none, got \`${SANDBOX}\`." ;;
  esac
  say "prerequisites (nothing is downloaded before they pass):"

  # git: Lake clones the REPL and Mathlib. curl: the connectivity check and elan's installer.
  if path="$(command -v git)"; then row git ok "$path"; else
    row git MISSING "install git (Debian/Ubuntu: sudo apt-get install git; macOS: xcode-select --install)"
    missing_required=1
  fi
  if path="$(command -v curl)"; then row curl ok "$path"
  elif command -v elan >/dev/null 2>&1 && [ "${PROOFLINE_SETUP_SKIP_NETWORK_CHECK:-0}" = 1 ]; then
    row curl missing "not needed now (elan is installed and the network check is skipped)"
  else
    row curl MISSING "install curl (Debian/Ubuntu: sudo apt-get install curl ca-certificates)"
    missing_required=1
  fi

  # The sandbox. Only the default one is checked here; the others say why they are not.
  if [ "$SANDBOX" = container ]; then
    row sandbox container "not checked here: Lean runs in the proofline-lean image (infra/README.md)"
  else
    local bwrap="" prlimit="" needed="needed by the default sandbox"
    [ "$SANDBOX" = none ] && needed="not needed: PROOFLINE_SANDBOX=none"
    if prlimit="$(command -v prlimit)"; then row prlimit ok "$prlimit"; else
      prlimit=""
      row prlimit MISSING "${needed}; install util-linux (Debian/Ubuntu: sudo apt-get install util-linux; Fedora: sudo dnf install util-linux)"
      sandbox_broken=1
    fi
    if bwrap="$(command -v bwrap)"; then row bwrap ok "$bwrap"; else
      bwrap=""
      row bwrap MISSING "${needed}; install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)"
      sandbox_broken=1
    fi
    if [ -n "$bwrap" ]; then
      if probe_bwrap "$bwrap" "$prlimit"; then
        row namespaces ok "bwrap can create user, network and pid namespaces"
      else
        row namespaces BLOCKED "${PROBE_OUTPUT//$'\n'/ | }"
        namespace_fixes
        sandbox_broken=1
      fi
    fi
  fi

  if [ "$missing_required" = 1 ]; then
    fail "install what is MISSING above, then rerun \`npm run setup:lean\`."
  fi
  if [ "$sandbox_broken" = 1 ]; then
    if [ "$SANDBOX" = bwrap ]; then
      say "the default sandbox (bwrap) cannot work on this machine: fix the lines above and rerun."
      say "For trusted local use only, \`proofline check --sandbox none\` (or PROOFLINE_SANDBOX=none) runs Lean unsandboxed; \`--sandbox container\` runs it in the proofline-lean image (infra/README.md). With PROOFLINE_SANDBOX=none or container set, this setup continues past this check."
      mark_reported
      exit 4
    fi
    say "continuing: PROOFLINE_SANDBOX=${SANDBOX}, so the bwrap sandbox is not needed (Lean will run without it)."
  fi
}

# ---------------------------------------------------------------------------------------------
# Downloads.

reachable() { curl -sS -o /dev/null --connect-timeout 5 --max-time 10 "$1" 2>/dev/null; }

check_network() {
  [ "${PROOFLINE_SETUP_SKIP_NETWORK_CHECK:-0}" = 1 ] && return 0
  STEP="checking that ${PROBE_URL} is reachable"
  local error
  if ! error="$(curl -sS -o /dev/null --connect-timeout 5 --max-time 10 "$PROBE_URL" 2>&1)"; then
    offline "could not reach ${PROBE_URL} (${error:-curl failed})"
  fi
}

install_official_elan() {
  local installer="$WORK_DIR/elan-init.sh"
  STEP="installing elan with its official installer"
  say "installing elan with the official installer into ${ELAN_HOME}"
  curl -sSfL --connect-timeout 10 https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh \
    -o "$installer" || offline "downloading the elan installer failed"
  if ! sh "$installer" -y --no-modify-path --default-toolchain none >&2; then
    reachable https://github.com || offline "the elan installer could not download elan"
    fail "the elan installer failed (output above), although github.com is reachable."
  fi
}

# elan: already installed, else the Debian package, else the official installer.
ELAN_FROM_APT=0
ensure_elan() {
  STEP="installing elan"
  command -v elan >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    && apt-cache policy elan 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "installing elan from the Debian package"
    if apt-get install -y elan >&2; then ELAN_FROM_APT=1; else say "apt-get install elan failed"; fi
  fi
  command -v elan >/dev/null || install_official_elan
  hash -r
  command -v elan >/dev/null || fail "elan is still not on PATH after installing it (looked in ${ELAN_HOME}/bin)."
}

# Whether elan lists the pinned toolchain. `elan toolchain list` prints one toolchain per line
# (`leanprover/lean4:v4.33.0`), older elans append ` (default)` to one of them, and it prints
# `no installed toolchains` when there is none (elan src/elan-cli/elan_mode.rs, list_toolchains).
toolchain_installed() {
  local list line
  list="$(elan toolchain list 2>/dev/null)" || return 1
  while IFS= read -r line; do
    case "$line" in
      "$TOOLCHAIN" | "$TOOLCHAIN "*) return 0 ;;
    esac
  done <<EOF
$list
EOF
  return 1
}

# `elan toolchain install` refuses a toolchain that is already installed ("error: '…' is already
# installed", exit 1), so ask first; after a failure, ask the servers whether it was the network.
install_toolchain() {
  STEP="installing ${TOOLCHAIN}"
  if toolchain_installed; then
    say "${TOOLCHAIN} is already installed"
    return 0
  fi
  say "installing ${TOOLCHAIN}"
  elan toolchain install "$TOOLCHAIN" >&2 && return 0
  toolchain_installed && return 0
  if [ "$ELAN_FROM_APT" = 1 ]; then
    say "the Debian elan could not install ${TOOLCHAIN}; trying the official elan"
    install_official_elan
    hash -r
    elan toolchain install "$TOOLCHAIN" >&2 && return 0
    toolchain_installed && return 0
  fi
  # elan reads the release list from release.lean-lang.org and downloads from GitHub.
  reachable https://release.lean-lang.org || offline "elan could not reach release.lean-lang.org to download ${TOOLCHAIN}"
  reachable https://github.com || offline "elan could not reach github.com to download ${TOOLCHAIN}"
  fail "\`elan toolchain install ${TOOLCHAIN}\` failed (output above), although the release servers are reachable."
}

# ---------------------------------------------------------------------------------------------
# Build and lay out.

# The toolchain's real bin directory (not elan's proxies), so the home pins one exact toolchain.
TC_BIN=""
find_toolchain_bin() {
  STEP="locating the ${TOOLCHAIN} binaries"
  local lean dir="${TOOLCHAIN//\//--}"
  lean="$ELAN_HOME/toolchains/${dir//:/---}/bin/lean"
  if [ ! -x "$lean" ]; then
    lean="$(cd "$PROJECT_DIR" && elan which lean 2>/dev/null)" || lean=""
  fi
  [ -n "$lean" ] && [ -x "$lean" ] || fail "cannot find the lean binary of ${TOOLCHAIN} (looked in ${ELAN_HOME}/toolchains and asked \`elan which lean\`)."
  # cd -P resolves a linked toolchain directory; portable, unlike realpath.
  TC_BIN="$(cd -P "${lean%/*}" && pwd -P)" || fail "cannot enter ${lean%/*}."
  local tool
  for tool in lake leanchecker; do
    [ -x "$TC_BIN/$tool" ] || fail "${TOOLCHAIN} has no ${tool} in ${TC_BIN} (leanchecker ships from v4.28.0 on)."
  done
  # Everything from here on runs this exact toolchain. The real binaries find their own prefix;
  # leanchecker, the REPL and proofline-audit call `lean --print-prefix` unless LEAN_SYSROOT is set
  # (Lean's findSysroot), and the `lean` on PATH is elan's proxy, which fails outside a directory
  # with a lean-toolchain file when elan has no default toolchain (--default-toolchain none).
  export LEAN_SYSROOT="${TC_BIN%/*}"
  export PATH="$TC_BIN:$PATH"
}

# Core: lean-project itself. Mathlib: a generated project in .lake/with-mathlib that shares
# Proofline/ and adds the Mathlib require, so the committed lakefile never changes.
BUILD_DIR=""
prepare_build_dir() {
  STEP="preparing the Lake project"
  if [ "$WITH_MATHLIB" = 1 ]; then
    BUILD_DIR="$PROJECT_DIR/.lake/with-mathlib"
    mkdir -p "$BUILD_DIR"
    cp "$PROJECT_DIR/lean-toolchain" "$BUILD_DIR/lean-toolchain"
    cat "$PROJECT_DIR/lakefile.toml" "$PROJECT_DIR/mathlib.require.toml" > "$BUILD_DIR/lakefile.toml"
    ln -sfn ../../Proofline "$BUILD_DIR/Proofline"
  else
    BUILD_DIR="$PROJECT_DIR"
  fi
}

build_project() {
  local lake="$TC_BIN/lake"
  cd "$BUILD_DIR" || fail "cannot enter ${BUILD_DIR}."
  if [ ! -f lake-manifest.json ]; then
    STEP="resolving the dependencies (lake update)"
    say "resolving dependencies (lake update) in ${BUILD_DIR}"
    "$lake" update >&2 || offline "\`lake update\` could not fetch the dependencies (output above)"
  fi
  if [ "$WITH_MATHLIB" = 1 ]; then
    STEP="fetching the Mathlib build cache"
    say "fetching the Mathlib build cache"
    "$lake" exe cache get >&2 || offline "\`lake exe cache get\` could not download the Mathlib cache"
  fi
  STEP="building proofline-audit and the REPL"
  say "building proofline-audit and the REPL"
  "$lake" build proofline-audit @REPL/repl >&2 \
    || fail "\`lake build proofline-audit @REPL/repl\` failed in ${BUILD_DIR} (output above). If it failed while cloning, this machine cannot reach GitHub."
  cd "$PROJECT_DIR"
}

# Relative symlinks keep the home valid when the checkout moves or is mounted elsewhere (a
# container, another user's path). Every target lives under PROJECT_DIR, so the relative path is
# "../" once per level of the link's directory below PROJECT_DIR, then the target's own suffix:
# plain string work, no realpath (BSD realpath has no --relative-to; older macOS has none).
REL=""
relative_to_project() {
  local levels="$1" target="$2" up=""
  case "$target" in
    "$PROJECT_DIR") REL="" ;;
    "$PROJECT_DIR"/*) REL="${target#"$PROJECT_DIR"/}" ;;
    *) fail "expected ${target} to be inside ${PROJECT_DIR}." ;;
  esac
  while [ "$levels" -gt 0 ]; do up="../$up"; levels=$((levels - 1)); done
  REL="${up}${REL}"
  REL="${REL%/}"
}

# Builds the home next to its final place and swaps it in, so a failed run leaves the old one.
lay_out_home() {
  STEP="laying out the Lean home"
  local staging="$HOME_DIR.staging" audit repl candidate
  audit="$BUILD_DIR/.lake/build/bin/proofline-audit"
  # Lake clones a dependency into .lake/packages/<require name>.
  repl="$BUILD_DIR/.lake/packages/REPL/.lake/build/bin/repl"
  if [ ! -x "$repl" ]; then
    for candidate in "$BUILD_DIR"/.lake/packages/*/.lake/build/bin/repl; do
      if [ -x "$candidate" ]; then repl="$candidate"; break; fi
    done
  fi
  [ -x "$audit" ] || fail "proofline-audit was not built (expected ${audit})."
  [ -x "$repl" ] || fail "the REPL was not built (expected ${BUILD_DIR}/.lake/packages/REPL/.lake/build/bin/repl)."
  rm -rf "$staging"
  mkdir -p "$staging/bin"
  local tool
  for tool in lean lake leanchecker; do ln -s "$TC_BIN/$tool" "$staging/bin/$tool"; done
  # staging/bin is 3 levels below PROJECT_DIR (.lake/proofline-home/bin), staging itself 2.
  relative_to_project 3 "$repl" && ln -s "$REL" "$staging/bin/repl"
  relative_to_project 3 "$audit" && ln -s "$REL" "$staging/bin/proofline-audit"
  relative_to_project 2 "$BUILD_DIR" && ln -s "$REL" "$staging/project"
  rm -rf "$HOME_DIR"
  mv "$staging" "$HOME_DIR"
}

# Exercise the home once, as the checker will: compile a reference and a candidate, replay the
# candidate with leanchecker, audit it. Runs outside any directory with a lean-toolchain file.
self_test() {
  STEP="self-testing the Lean home"
  local bin="$HOME_DIR/bin" tmp="$WORK_DIR/self-test" lean_path out module expected
  mkdir -p "$tmp"
  lean_path="$(cd "$HOME_DIR/project" && "$bin/lake" env printenv LEAN_PATH)" \
    || fail "self-test: \`lake env printenv LEAN_PATH\` failed in ${HOME_DIR}/project (output above)."
  printf 'theorem proofline_selftest : 1 + 1 = 2 := by sorry\n' > "$tmp/Reference.lean"
  printf 'theorem proofline_selftest : 1 + 1 = 2 := by decide\n' > "$tmp/Candidate.lean"
  for module in Reference Candidate; do
    (cd "$tmp" && LEAN_PATH="$lean_path" "$bin/lean" -R "$tmp" -o "$tmp/$module.olean" "$tmp/$module.lean" >/dev/null) \
      || fail "self-test: lean could not compile ${module}.lean (output above)."
  done
  (cd "$tmp" && LEAN_PATH="$lean_path:$tmp" "$bin/leanchecker" Candidate >/dev/null) \
    || fail "self-test: leanchecker failed on a trivial module (output above)."
  out="$(cd "$tmp" && LEAN_PATH="$lean_path" "$bin/proofline-audit" \
    --candidate Candidate --reference Reference --target proofline_selftest --search-path "$tmp")" \
    || fail "self-test: proofline-audit failed (output above)."
  # Key order is Lean's own; check each field on its own.
  for expected in '"found":true' '"type_matches":true' '"constants_mismatched":[]' '"kind":"theorem"'; do
    [[ "$out" == *"$expected"* ]] || fail "self-test: proofline-audit printed ${out} (expected ${expected})."
  done
  say "self-test passed: ${out}"
}

main() {
  STEP="reading lean-toolchain"
  TOOLCHAIN="$(tr -d '[:space:]' < "$PROJECT_DIR/lean-toolchain")" || fail "cannot read ${PROJECT_DIR}/lean-toolchain."
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/proofline-setup.XXXXXX")" || fail "cannot create a temporary directory."
  check_prerequisites
  check_network
  ensure_elan
  install_toolchain
  find_toolchain_bin
  prepare_build_dir
  build_project
  lay_out_home
  self_test
  STEP="finishing"
  local version
  version="$("$HOME_DIR/bin/lean" --version)" || fail "\`${HOME_DIR}/bin/lean --version\` failed."
  say "done: Lean home at ${HOME_DIR} (${version})"
}

TOOLCHAIN=""
main "$@"
