# Sourced by scripts/test, scripts/demo and scripts/bench: installs what they need on a fresh machine.
# - Python tools (moto server, cargo-lambda, ziglang, cfn-lint), pinned, into .venv (git-ignored).
# - A persistent cargo target directory outside the repo, so rebuilds are incremental.
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

stamp=".venv/.vigil-installed"
want="$(cat requirements-dev.txt constraints.txt | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned tools into .venv (first run only)" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  echo "$want" > "$stamp"
fi

export PATH="$VIGIL_ROOT/.venv/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
