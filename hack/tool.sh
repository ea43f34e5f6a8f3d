#!/usr/bin/env bash
# Prints the path of a pinned command-line tool, building it from the Go module
# proxy on first use:
#
#   hack/tool.sh helm       # helm.sh/helm/v4/cmd/helm      (hack/tools/helm)
#   hack/tool.sh promtool   # prometheus/cmd/promtool       (hack/tools/promtool)
#
# Each tool has its own module under hack/tools/<tool>, so its version is pinned
# by that module's go.mod and go.sum and the operator's go.mod never depends on
# it. Binaries are cached outside the repository (like hack/envtest.sh does),
# keyed by the tool, its version and the tool module's content, so a rerun takes
# well under a second and a version bump builds a new binary.
#
#   PRODREADY_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/prodready)
#
# Only the binary's path is printed on stdout; progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'tool.sh: %s\n' "$*" >&2; }

tool=${1:-}
case "${tool}" in
  helm)
    module=helm.sh/helm/v4
    pkg=helm.sh/helm/v4/cmd/helm
    tags=""
    ldflags_for() { printf -- '-s -w -X helm.sh/helm/v4/internal/version.version=%s -X helm.sh/helm/v4/internal/version.metadata= -X helm.sh/helm/v4/internal/version.gitTreeState=clean' "$1"; }
    ;;
  promtool)
    module=github.com/prometheus/prometheus
    pkg=github.com/prometheus/prometheus/cmd/promtool
    # promtool checks and tests rule files; it needs no service discovery, and
    # leaving the cloud SDKs out halves the build.
    tags="remove_all_sd"
    ldflags_for() { printf -- '-s -w -X github.com/prometheus/common/version.Version=%s -X github.com/prometheus/common/version.Branch=module-proxy' "$1"; }
    ;;
  *)
    log "usage: hack/tool.sh helm|promtool"
    exit 2
    ;;
esac

command -v go >/dev/null || { log "go is not on PATH; install Go 1.26"; exit 1; }

moddir="${root}/hack/tools/${tool}"
version=$(awk -v m="${module}" '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' "${moddir}/go.mod" | head -n1)
[[ -n "${version}" ]] || { log "no version of ${module} in ${moddir}/go.mod"; exit 1; }

sum=$(cat "${moddir}"/go.mod "${moddir}"/go.sum | sha256sum | cut -c1-12)
cache_root=${PRODREADY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodready}
dir="${cache_root}/tools/${tool}-${version}_$(go env GOOS)-$(go env GOARCH)_${sum}"
bin="${dir}/${tool}"

if [[ -x "${bin}" ]]; then
  printf '%s\n' "${bin}"
  exit 0
fi

mkdir -p "${cache_root}/tools"
tmp=$(mktemp -d "${cache_root}/tools/.build-${tool}.XXXXXX")
trap 'rm -rf "${tmp}"' EXIT

start=$(date +%s)
log "building ${tool} ${version} from the Go module proxy (first time only)"
(cd "${moddir}" && CGO_ENABLED=0 go build -trimpath -tags "${tags}" -ldflags "$(ldflags_for "${version}")" -o "${tmp}/${tool}" "${pkg}")
[[ -x "${tmp}/${tool}" ]] || { log "build produced no ${tool}"; exit 1; }

# Another build may have finished first; either binary is the same.
rm -rf "${dir}"
chmod 755 "${tmp}"
mv "${tmp}" "${dir}" 2>/dev/null || [[ -x "${bin}" ]]
trap - EXIT
rm -rf "${tmp}"
log "built ${tool} ${version} in $(( $(date +%s) - start ))s into ${dir}"
printf '%s\n' "${bin}"
