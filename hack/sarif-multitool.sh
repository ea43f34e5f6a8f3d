#!/usr/bin/env bash
# Installs Microsoft's SARIF multitool (the validator GitHub code scanning
# points to) from npm into ~/.cache/prodready (once; cached afterwards) and
# prints the path of its Sarif.Multitool binary.
#
#   hack/sarif-multitool.sh                 # install if needed, print the path
#   $(hack/sarif-multitool.sh) validate --rule-kind "Gh;Sarif" FILE -o OUT
set -euo pipefail

VERSION="${SARIF_MULTITOOL_VERSION:-5.7.0}"
CACHE="${PRODREADY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodready}"
DIR="${CACHE}/sarif-multitool-${VERSION}"
BIN="${DIR}/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

if [[ ! -x "${BIN}" ]]; then
  command -v npm >/dev/null || { echo "sarif-multitool: npm not found; install Node.js (apt-get install npm)" >&2; exit 1; }
  tmp="$(mktemp -d "${CACHE}/.sarif-multitool.XXXXXX")"
  trap 'rm -rf "${tmp}"' EXIT
  echo "Installing @microsoft/sarif-multitool-linux@${VERSION} into ${DIR}" >&2
  npm install --prefix "${tmp}" --no-audit --no-fund --loglevel=error "@microsoft/sarif-multitool-linux@${VERSION}" >&2
  chmod +x "${tmp}/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  rm -rf "${DIR}"
  mv "${tmp}" "${DIR}"
  trap - EXIT
fi
echo "${BIN}"
