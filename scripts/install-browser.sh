#!/usr/bin/env bash
# The browser of the long profile's sign-in test (tests/e2e_entities/test_signin_http.py,
# `test_signin_from_the_docs_page_in_a_browser`): Debian's chromium, driven by Python's
# playwright (its own browsers are not downloaded: the test launches /usr/bin/chromium).
#
#   bash scripts/install-browser.sh          # then: SCAFFOLD_LONG=1 python -m pytest -k browser
#
# Run it in the virtual environment scaffold's tests run in (after the README's install).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
python -m pip install --quiet "playwright>=1.45"
chromium --version
python -c "import playwright; from importlib.metadata import version; print('playwright', version('playwright'))"
