#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   - LibreOffice Calc (headless) to recalculate the report workbook's formulas,
#     from Debian's packages when `soffice` is missing (needs root or sudo);
#   - Chromium (headless) and poppler-utils to print and check the customer's
#     business case, from Debian's packages when missing;
#   - a virtual environment in .venv with bidfit and its test and lint extras;
#   - ruff and mypy must be clean before the tests run;
#   - once the tests pass, a second virtual environment, .venv-floor, with every
#     runtime dependency at the lowest version pyproject.toml allows
#     (tools/floor-constraints.txt), runs them again, stopping at the first
#     failure (BIDFIT_SKIP_FLOOR=1 skips this step).
# Extra arguments go to pytest, e.g. `bash tools/test.sh -k finance`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v soffice >/dev/null 2>&1; then
  echo "== installing LibreOffice Calc (headless) for the report-formula tests"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui >/dev/null
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  echo "== installing Chromium (headless) and poppler-utils for the business-case print tests"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium poppler-utils >/dev/null
fi

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test,lint]"
echo "== lint: ruff and mypy"
ruff check .
ruff format --check .
mypy
echo "== tests"
python -m pytest "$@"
deactivate

if [ "${BIDFIT_SKIP_FLOOR:-0}" != "1" ]; then
  echo "== tests at the dependency floors (tools/floor-constraints.txt)"
  floor_python="$(command -v python3.11 || command -v python3)"
  "$floor_python" -m venv .venv-floor
  .venv-floor/bin/python -m pip install -q --upgrade pip
  .venv-floor/bin/python -m pip install -q -e ".[test]" -c tools/floor-constraints.txt
  .venv-floor/bin/python -m pytest -x -q -p no:cacheprovider "$@"
fi
