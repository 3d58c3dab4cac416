#!/usr/bin/env bash
# Installs what aigw-conformance needs, from the package registries only (PyPI, Debian, npm).
#   scripts/setup.sh          the harness and the reference gateway (enough for `aigw-conformance run`)
#   scripts/setup.sh test     plus the test extras, Locust (the `load` extra), the live-clients extra (the
#                             openai/anthropic SDKs), the npm packages (Allure Report 3 and the pinned client
#                             programs Claude Code, Codex and Copilot CLI of the live-clients profile) and
#                             Debian's chromium, which the project's own tests use to open the HTML report
#   scripts/setup.sh load     the harness plus Locust, for `aigw-conformance load`
# PYTHON selects the interpreter (default python3); a 3.12 interpreter gets mitmproxy 12.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want=${1:-run}

pip_quiet=(--quiet --disable-pip-version-check --no-input)
if [ "$want" = test ]; then
  "$PY" -m pip install "${pip_quiet[@]}" -e '.[test,load,live-clients]'
elif [ "$want" = load ]; then
  "$PY" -m pip install "${pip_quiet[@]}" -e '.[load]'
else
  "$PY" -m pip install "${pip_quiet[@]}" -e .
fi

# pyenv exposes new console scripts (aigw-conformance) only after a rehash; `python -m pip` skips it.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash >/dev/null 2>&1 || true; fi

if [ "$want" = test ] || [ "${AIGW_HTML:-0}" = 1 ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "setup: chromium is missing and apt-get is not usable here; the HTML report test will fail" >&2
    fi
  fi
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  elif [ -f package.json ]; then
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
