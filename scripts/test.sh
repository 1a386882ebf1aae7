#!/usr/bin/env bash
# Set up from nothing and run the whole test suite. Exit non-zero on a failed OR empty run.
#   bash scripts/test.sh [pytest args…]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e '.[test]'
# Apache Jena, the tests' independent peer (riot parses every export, its SHACL validator checks
# the Turtle validation report): Debian's libapache-jena-java ships jars, no launcher;
# scripts/jena.py runs them with java. Without it the Jena tests skip for a non-root user and
# fail under CI=true or as root.
if [ ! -f /usr/share/java/jena-core.jar ] || ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libapache-jena-java default-jre-headless) >&2
  else
    echo "test.sh: Jena (libapache-jena-java) or java not found and not root; the Jena tests will be skipped" >&2
  fi
fi
# Virtuoso (tests/test_remote.py pushes to it and runs the catalogue there; ~8 s to install,
# ~3 s to start, never started as a service: the tests run virtuoso-t with a private ini).
if ! command -v virtuoso-t >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends virtuoso-opensource) >&2 \
      || echo "test.sh: virtuoso-opensource could not be installed; the Virtuoso tests will be skipped" >&2
  else
    echo "test.sh: virtuoso-t not found and not root; the Virtuoso tests will be skipped" >&2
  fi
fi
# The browser tests (tests/test_browser.py) drive Debian's chromium through its chromedriver;
# under CI=true they fail rather than skip when chromium is missing.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2
  else
    echo "test.sh: chromium/chromedriver not found and not root; the browser tests will be skipped (they fail under CI=true)" >&2
  fi
fi
# Lint first (pyflakes, bugbear, import order: pyproject.toml [tool.ruff]); a finding fails the run.
.venv/bin/ruff check src tests benchmarks scripts setup.py
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "test.sh: no tests ran" >&2
  exit 1
fi
exit "$rc"
