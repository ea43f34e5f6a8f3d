#!/usr/bin/env bash
# Validates prodready's SARIF output with Microsoft's SARIF multitool, the
# validator GitHub code scanning points to, using GitHub's ingestion rules
# and the SARIF rules (--rule-kind "Gh;Sarif"). Fails on any error-level
# result. Run by `make test-sarif` (and so by .ci/run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
multitool="$(hack/sarif-multitool.sh)"
out="${SARIF_OUT:-_out/sarif}"
rm -rf "${out}"
mkdir -p "${out}"

go build -o "${out}/prodready" ./cmd/prodready
td=internal/cli/testdata

# A run with findings (exit 1), a clean run (exit 0) and a run from stdin.
"${out}/prodready" check -o "sarif=${out}/findings.sarif" "${td}/bad.yaml" "${td}/good" || [[ $? == 1 ]]
"${out}/prodready" check -o "sarif=${out}/clean.sarif" "${td}/good"
"${out}/prodready" check -o "sarif=${out}/stdin.sarif" - < "${td}/bad.yaml" || [[ $? == 1 ]]

status=0
for f in findings clean stdin; do
  "${multitool}" validate --rule-kind "Gh;Sarif" --output "${out}/${f}.validation.sarif" "${out}/${f}.sarif" >"${out}/${f}.validation.log" 2>&1 || true
  if [[ ! -s "${out}/${f}.validation.sarif" ]]; then
    echo "validate-sarif: the multitool wrote no result for ${f}.sarif:" >&2
    cat "${out}/${f}.validation.log" >&2
    status=1
    continue
  fi
  # The validation result is SARIF too: count its error-level results.
  errors="$(go run ./hack/sarifcount "${out}/${f}.validation.sarif")"
  echo "validate-sarif: ${f}.sarif: ${errors}"
  grep -E ': (error|warning) ' "${out}/${f}.validation.log" || true
  if [[ "${errors}" != "0 error(s)"* ]]; then
    status=1
  fi
done
exit "${status}"
