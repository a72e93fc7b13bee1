# Sourced by scripts/test, scripts/demo and the benchmarks: installs what they need on a fresh machine.
# - Python tools (moto server, cargo-lambda, ziglang, cfn-lint), pinned, into .venv (git-ignored);
#   checkov, pinned, into its own venv .venv-checkov (its dependency pins differ from moto's).
# - A persistent cargo target directory outside the repo, so rebuilds are incremental.
# A script that compiles first may set VIGIL_TOOLS_LATER=1 before sourcing, then call start_tools,
# build, and wait_tools: the Python install (network-bound) overlaps the Rust build (CPU-bound).
set -euo pipefail
VIGIL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$VIGIL_ROOT"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need cargo; then
  echo "setup: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
if ! need python3 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "setup: installing python3 and venv support with apt-get" >&2
  apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi

export PATH="$VIGIL_ROOT/.venv/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

tools_stamp=".venv/.vigil-installed"
tools_want="$(cat requirements-dev.txt constraints.txt | sha256sum | cut -d' ' -f1)"
tools_log="${TMPDIR:-/tmp}/vigil-tools-install.$$.log"
TOOLS_PID=""

tools_ready() { [ -x .venv/bin/python ] && [ "$(cat "$tools_stamp" 2>/dev/null)" = "$tools_want" ]; }

install_tools() {
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  echo "$tools_want" > "$tools_stamp"
}

# Starts installing the pinned tools in the background, unless they are already installed.
start_tools() {
  if ! tools_ready && [ -z "$TOOLS_PID" ]; then
    echo "setup: installing pinned tools into .venv (first run only)" >&2
    # At the lowest CPU priority: it overlaps the Rust build, whose first run is the long pole.
    ( renice -n 19 -p "$BASHPID" > /dev/null 2>&1 || true; install_tools ) > "$tools_log" 2>&1 &
    TOOLS_PID=$!
  fi
}

# Waits for start_tools; fails with the installer's output if it failed.
wait_tools() {
  if [ -n "$TOOLS_PID" ]; then
    if ! wait "$TOOLS_PID"; then
      cat "$tools_log" >&2
      echo "setup: installing the Python tools failed" >&2
      exit 1
    fi
    TOOLS_PID=""
    rm -f "$tools_log"
  fi
}

if [ -z "${VIGIL_TOOLS_LATER:-}" ]; then
  start_tools
  wait_tools
fi

# checkov (scripts/test only): its own venv, installed on first use, or again when its pins change.
checkov_ready() { [ -x .venv-checkov/bin/checkov ] && [ "$(cat .venv-checkov/.vigil-installed 2>/dev/null)" = "$(sha256sum < constraints-checkov.txt)" ]; }
# The HTML report's test opens the page in a real headless browser: Chromium from the
# distribution's packages, installed when missing.
install_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing chromium with apt-get (first run only)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
}

install_checkov() {
  if ! checkov_ready; then
    echo "setup: installing pinned checkov into .venv-checkov (first run only)" >&2
    python3 -m venv .venv-checkov
    .venv-checkov/bin/pip install --quiet --disable-pip-version-check checkov -c constraints-checkov.txt
    sha256sum < constraints-checkov.txt > .venv-checkov/.vigil-installed
  fi
}
