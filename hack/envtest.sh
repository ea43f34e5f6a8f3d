#!/usr/bin/env bash
# Prints a directory holding kube-apiserver, etcd and kubectl for envtest
# (KUBEBUILDER_ASSETS), building them from the Go module proxy on first use.
#
# setup-envtest downloads release binaries, which air-gapped machines cannot do.
# Instead the binaries are compiled from the tool modules under hack/tools/
# (pinned by their go.sum) and cached outside the repository, keyed by the
# versions and the tool modules' content, so a rerun takes well under a second.
#
#   KUBEBUILDER_ASSETS  if set and complete, used as is (nothing is built)
#   PRODREADY_CACHE     cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/prodready)
#
# Only the directory is printed on stdout; progress goes to stderr.
set -euo pipefail

KUBE_VERSION=v1.37.1
ETCD_VERSION=v3.6.16
BINARIES=(kube-apiserver etcd kubectl kube-controller-manager)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'envtest: %s\n' "$*" >&2; }

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in kube-apiserver etcd; do
    if [[ ! -x "${KUBEBUILDER_ASSETS}/${b}" ]]; then
      log "KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS} has no executable ${b}; unset it to build the binaries, or point it at a directory holding kube-apiserver and etcd"
      exit 1
    fi
  done
  printf '%s\n' "${KUBEBUILDER_ASSETS}"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH; install Go 1.26 or set KUBEBUILDER_ASSETS"; exit 1; }

sum=$(cat "${root}"/hack/tools/kube/go.{mod,sum} "${root}"/hack/tools/etcd/go.{mod,sum} | sha256sum | cut -c1-12)
cache_root=${PRODREADY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodready}
dir="${cache_root}/envtest/k8s-${KUBE_VERSION}_etcd-${ETCD_VERSION}_$(go env GOOS)-$(go env GOARCH)_${sum}"

complete=true
for b in "${BINARIES[@]}"; do [[ -x "${dir}/${b}" ]] || complete=false; done
if $complete; then
  printf '%s\n' "${dir}"
  exit 0
fi

mkdir -p "${cache_root}/envtest"
tmp=$(mktemp -d "${cache_root}/envtest/.build.XXXXXX")
trap 'rm -rf "${tmp}"' EXIT

minor=$(cut -d. -f2 <<<"${KUBE_VERSION}")
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBE_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
start=$(date +%s)
log "building kube-apiserver, kube-controller-manager and kubectl ${KUBE_VERSION} from the Go module proxy (first time only; ~6-10 min on 2 cores)"
(cd "${root}/hack/tools/kube" && CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags}" -o "${tmp}/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
log "building etcd ${ETCD_VERSION}"
(cd "${root}/hack/tools/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${tmp}/etcd" .)
for b in "${BINARIES[@]}"; do [[ -x "${tmp}/${b}" ]] || { log "build produced no ${b}"; exit 1; }; done

rm -rf "${dir}"
chmod 755 "${tmp}"
mv "${tmp}" "${dir}"
trap - EXIT
log "built in $(( $(date +%s) - start ))s into ${dir}"
printf '%s\n' "${dir}"
