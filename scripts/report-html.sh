#!/usr/bin/env bash
# Build the Allure 3 HTML report of a run: scripts/report-html.sh [RUN_DIR]
# (default: the newest run under reports/). Node.js only, no Java. Allure's
# history is carried between runs in reports/<lab>/allure-history.jsonl.
set -euo pipefail
cd "${BASH_SOURCE[0]%/*}/.."  # no dirname: this must work with a bare PATH

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "report-html: Node.js/npm is missing — install them (apt-get install nodejs npm); summary.html needs neither" >&2
  exit 2
fi
run=${1:-$(find reports -mindepth 2 -maxdepth 2 -type d -name '20*Z' 2>/dev/null | sort -t/ -k3 | tail -n 1)}
if [[ -z $run || ! -d $run/allure-results ]]; then
  echo "report-html: no run with allure-results found — run 'make report' first" >&2
  exit 2
fi
[[ -x node_modules/.bin/allure ]] || npm ci --no-audit --no-fund --silent
lab_dir=$(dirname "$run")
AIRGAPLAB_REPORT_NAME="airgaplab $(basename "$lab_dir") $(basename "$run")"
export AIRGAPLAB_REPORT_NAME
export AIRGAPLAB_ALLURE_OUTPUT=$run/allure-report
export AIRGAPLAB_ALLURE_HISTORY=$lab_dir/allure-history.jsonl
NO_COLOR=1 node_modules/.bin/allure generate "$run/allure-results" --config allurerc.mjs >/dev/null
echo "$run/allure-report/index.html"
