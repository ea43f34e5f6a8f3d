# prodready Makefile (kubebuilder layout).

# Image URL to use for building and pushing the operator image.
IMG ?= ghcr.io/prodready/prodready:dev

# Tool versions, installed through the Go module proxy into ./bin.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
KUSTOMIZE_VERSION ?= v5.8.2
GREMLINS_VERSION ?= v0.6.0

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

# Tools are cached outside the repository (like the envtest binaries of
# hack/envtest.sh), so that clones and worktrees share one build.
PRODREADY_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/prodready
LOCALBIN ?= $(PRODREADY_CACHE)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
GREMLINS ?= $(LOCALBIN)/gremlins-$(GREMLINS_VERSION)

# Extra flags for go test, e.g. make test GOTEST_FLAGS=-v
GOTEST_FLAGS ?=

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs, RBAC and webhook manifests; copy the OpenReports CRDs of the pinned reports-api.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	@go mod download github.com/openreports/reports-api && dir=$$(go list -m -f '{{.Dir}}' github.com/openreports/reports-api) && [ -n "$$dir" ] && \
	for f in openreports.io_reports.yaml openreports.io_clusterreports.yaml; do \
		install -m 0644 "$$dir/config/crd/$$f" config/components/openreports/$$f; \
	done

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...
	@if [ -d test/e2e ]; then go vet -tags e2e ./test/...; fi

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (config: .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: helm-sync
helm-sync: manifests kustomize ## Regenerate what the Helm chart (dist/chart) and config/prometheus derive from other files: CRDs, RBAC, webhooks, alerting rules, dashboard.
	go run ./hack/helmsync -kustomize $(KUSTOMIZE)

.PHONY: verify
verify: manifests generate fmt helm-sync ## Regenerate everything and fail if the tree changed (generated files must be committed fresh).
	@status=$$(git status --porcelain -- api config internal cmd test hack dist go.mod go.sum) || { echo "verify: git status failed; run inside a git checkout"; exit 1; }; \
	if [ -n "$$status" ]; then \
		echo "verify: generated or formatted files are stale; run 'make manifests generate fmt' and commit:"; \
		echo "$$status"; git --no-pager diff --stat; exit 1; \
	fi
	@echo "verify: generated files are fresh"

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd, kubectl and kube-controller-manager from the Go module proxy (cached) and print KUBEBUILDER_ASSETS.
	@echo "export KUBEBUILDER_ASSETS=$$(hack/envtest.sh)"

.PHONY: test
test: manifests generate fmt vet test-rules kustomize ## Run unit tests, the chart tests (helm lint, golden renders, no drift from config/default), the alert unit tests and the envtest suite.
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" HELM="$$(hack/tool.sh helm)" KUSTOMIZE="$(KUSTOMIZE)" \
		go test $(GOTEST_FLAGS) ./... -coverprofile cover.out

.PHONY: test-rules
test-rules: ## Check the alerting rules (promtool check rules) and run their unit tests (promtool test rules).
	@promtool="$$(hack/tool.sh promtool)"; \
	"$$promtool" check rules config/prometheus/prodready.rules.yaml && \
	"$$promtool" test rules config/prometheus/tests/*.yaml

.PHONY: test-chart
test-chart: kustomize ## Run only the chart tests: helm lint, golden helm template renders, no drift from config/default. UPDATE=1 rewrites the golden files.
	HELM="$$(hack/tool.sh helm)" KUSTOMIZE="$(KUSTOMIZE)" go test ./test/chart/... -count=1 $(if $(UPDATE),-args -update)

# The packages whose tests share objects between goroutines: the informer
# cache (read with UnsafeDisableDeepCopy) and the compiler cache, used by the
# controllers and the webhook at once.
RACE_PKGS ?= ./internal/controller/... ./internal/webhook/... ./internal/reporter/... ./internal/gather/...

.PHONY: test-race
test-race: manifests generate fmt vet ## Run the envtest suites (controllers, webhook, report writer) and the gather tests with the race detector.
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" go test -race $(GOTEST_FLAGS) $(RACE_PKGS)

# MUTATION_PKGS are mutated one at a time; each mutant reruns the package's
# tests (envtest included), so this takes long: it is not part of CI.
MUTATION_PKGS ?= ./internal/webhook ./internal/controller
MUTATION_FLAGS ?= --workers 1 --timeout-coefficient 5

.PHONY: mutation
mutation: gremlins ## Mutation-test MUTATION_PKGS with gremlins (slow; reports test efficacy and mutator coverage per package).
	@export KUBEBUILDER_ASSETS="$$(hack/envtest.sh)"; \
	for pkg in $(MUTATION_PKGS); do \
		echo "==> gremlins unleash $(MUTATION_FLAGS) $$pkg"; \
		$(GREMLINS) unleash $(MUTATION_FLAGS) $$pkg || exit 1; \
	done

# E2E_FLAGS adds go test flags, e.g. E2E_FLAGS='-ginkgo.focus=Faults'.
E2E_FLAGS ?=

.PHONY: test-e2e
test-e2e: ## Run the kubectl end-to-end suite against the 'make up' cluster (started if needed; a running one gets the operator rebuilt and restarted when stale), or the cluster in E2E_KUBECONFIG.
	@if [ -z "$$E2E_KUBECONFIG" ]; then go run ./hack/localcluster up; fi
	go test -tags e2e ./test/e2e -count=1 -timeout 30m -v -ginkgo.v $(E2E_FLAGS)

.PHONY: test-e2e-kind
test-e2e-kind: docker-build ## Build the image, load it into a kind cluster, deploy and run the e2e suite there (needs Docker and kind; not possible on CI machines without a Docker engine).
	kind load docker-image $(IMG)
	$(MAKE) deploy IMG=$(IMG)
	kubectl -n prodready-system rollout status deployment/prodready-controller-manager --timeout=180s
	E2E_KUBECONFIG="$${KUBECONFIG:-$$HOME/.kube/config}" $(MAKE) test-e2e

.PHONY: test-sarif
test-sarif: ## Validate prodready check's SARIF with Microsoft's SARIF multitool (installed from npm into the cache by hack/sarif-multitool.sh).
	hack/validate-sarif.sh

.PHONY: fuzz
fuzz: ## Fuzz the rule engine for FUZZTIME (default 30s).
	go test ./internal/readiness -run '^$$' -fuzz FuzzEvaluate -fuzztime $${FUZZTIME:-30s}

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager binary.
	CGO_ENABLED=0 go build -trimpath -o bin/manager ./cmd

# Version and commit stamped into the prodready CLI.
CLI_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
CLI_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: build-cli
build-cli: ## Build the prodready CLI (also usable as kubectl-prodready) into bin/prodready.
	CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/prodready/prodready/internal/version.version=$(CLI_VERSION) -X github.com/prodready/prodready/internal/version.commit=$(CLI_COMMIT)" -o bin/prodready ./cmd/prodready

.PHONY: run
run: manifests generate fmt vet ## Run the operator against the cluster of the current kubeconfig.
	go run ./cmd --enable-webhooks=false --metrics-bind-address=127.0.0.1:8080 --metrics-secure=false $(RUN_ARGS)

.PHONY: docker-build
docker-build: ## Build the operator image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: build-installer
build-installer: manifests kustomize ## Write dist/install.yaml: everything config/default installs, with the image IMG, for kubectl apply -f.
	@mkdir -p dist
	@img='$(IMG)'; name=$${img%:*}; tag=$${img##*:}; \
	if [[ "$$tag" == */* || "$$name" == "$$img" ]]; then name=$$img; tag=latest; fi; \
	tmp=$$(mktemp -d dist/.installer.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	printf 'resources:\n- ../../config/default\nimages:\n- name: ghcr.io/prodready/prodready\n  newName: %s\n  newTag: %s\n' \
		"$$name" "$$tag" > "$$tmp/kustomization.yaml"; \
	$(KUSTOMIZE) build "$$tmp" > dist/install.yaml
	@echo "build-installer: wrote dist/install.yaml with image $(IMG)"

##@ Deployment

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs from the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator to the cluster of the current kubeconfig.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

##@ Local cluster

.PHONY: up
up: ## Start a local control plane and the operator on 127.0.0.1 (state in .state/); prints the KUBECONFIG to export.
	go run ./hack/localcluster up

.PHONY: down
down: ## Stop every process 'make up' started and remove its etcd data and certificates (logs are kept).
	go run ./hack/localcluster down

.PHONY: status
status: ## Show whether each process of the local cluster runs, with its pid, ports and log.
	go run ./hack/localcluster status

##@ Performance

.PHONY: bench
bench: ## Run the benchmarks and print the results table (JSON in _out/bench/); 16 minutes on 2 idle cores, a third of it row 4b creating 150,000 objects
	go run ./hack/bench

# SOAK_DURATION bounds make soak (at most 2h).
SOAK_DURATION ?= 30m

.PHONY: soak
soak: ## Churn policies and Deployments plus admission load against the 'make up' cluster (loopback only) for SOAK_DURATION (default 30m); samples goroutines, heap and RSS every 30 s into _out/soak/ and fails when they keep growing.
	go run ./hack/soak -duration $(SOAK_DURATION) $(SOAK_FLAGS)

##@ Tools

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN): | $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION),controller-gen)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT): | $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION),golangci-lint)

.PHONY: gremlins
gremlins: $(GREMLINS)
$(GREMLINS): | $(LOCALBIN)
	$(call go-install-tool,$(GREMLINS),github.com/go-gremlins/gremlins/cmd/gremlins,$(GREMLINS_VERSION),gremlins)

.PHONY: kustomize
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE): | $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION),kustomize)

# go-install-tool installs package $(2) at version $(3), whose binary is
# named $(4), as $(1), so that a version bump installs the new binary
# instead of reusing the old one.
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
echo "Installing $(2)@$(3)"; \
tmp=$$(mktemp -d "$(LOCALBIN)/.install.XXXXXX"); \
GOBIN="$$tmp" go install "$(2)@$(3)"; \
mv "$$tmp/$(4)" "$(1)"; rm -rf "$$tmp"; \
}
endef
