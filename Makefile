# Tenantry's build. `make dev` and `make test` are the two commands a newcomer
# runs; everything they need is built from pinned Go modules.

# Tool versions, pinned. Bump them here and nowhere else.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.7.1
GOLANGCI_LINT_VERSION ?= v2.15.0

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

IMG ?= ghcr.io/tenantry-io/tenantry:latest
# docker or podman, for docker-build and docker-push.
CONTAINER_TOOL ?= docker
# Extra flags for go test, e.g. TEST_FLAGS='-run TestInvitation -v'.
TEST_FLAGS ?=
BENCH ?= .
# The size of each benchmark (b.N: users, transactions), and the size of the
# scale run that follows it (empty skips it). See docs/developer/benchmarks.md.
BENCHTIME ?= 1000x
BENCH_SCALE ?= 10000x
# How many times each benchmark runs at BENCHTIME: a ratio to the bare
# client varies by about a tenth from run to run on a shared 2-core
# machine, so docs/developer/benchmarks.md quotes the median of three.
BENCH_COUNT ?= 3
# How long `make fuzz` runs each fuzz test.
FUZZTIME ?= 30s
# Size and seed of the kill and outage tests, e.g.
# CHAOS_FLAGS='-users=300 -transactions=2000 -kills=10' or CHAOS_FLAGS='-seed=42'.
CHAOS_FLAGS ?=

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-14s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs, RBAC and webhook configurations from the markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	hack/sync-chart.sh

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: docs
docs: manifests ## Generate the configuration and API references in docs/reference from the flags and the CRDs.
	go run ./hack/gendocs

.PHONY: fmt
fmt: ## Format the code.
	go fmt ./...

.PHONY: vet
vet: ## Vet the code.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Lint the code, the chaos tests and the release tooling.
	$(GOLANGCI_LINT) run
	$(GOLANGCI_LINT) run --build-tags chaos ./test/chaos/...
	cd hack/release && $(GOLANGCI_LINT) run ./...
	cd hack/tools/benchsummary && $(GOLANGCI_LINT) run ./...

.PHONY: controlplane
controlplane: ## Build kube-apiserver, kube-controller-manager, etcd and kubectl for tests and dev (once per machine).
	@hack/build-controlplane.sh >/dev/null

.PHONY: test
test: controlplane helm build-image-binary jq chromium $(KUSTOMIZE) ## Run all tests against a real control plane and SMTP server, then build a trial release and check it.
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" go test ./... $(TEST_FLAGS)
	cd hack/release && KUBEBUILDER_ASSETS="$$(../build-controlplane.sh)" RELEASE_KUSTOMIZE="$(KUSTOMIZE)" \
		RELEASE_HELM="$$(../build-helm.sh)" go test ./... -timeout 30m $(TEST_FLAGS)

.PHONY: screenshots
screenshots: controlplane chromium ## Regenerate the console's screenshots in docs/images from the browser tour.
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" TENANTRY_DOCS_SCREENSHOTS=$(CURDIR)/docs/images \
		go test ./test/console -run TestConsoleTour -count=1

.PHONY: test-chaos
test-chaos: controlplane ## Kill the manager and the mail server under load; CHAOS_FLAGS='-users= -transactions= -kills= -accounts= -seed=' sizes it.
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" go test -tags chaos ./test/chaos -count=1 -v -timeout 30m $(CHAOS_FLAGS)

.PHONY: bench
bench: controlplane ## Run the benchmarks BENCH_COUNT times at BENCHTIME, then users, transactions and the restart at BENCH_SCALE; print each metric's median and spread.
	mkdir -p .bench
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" go test ./... -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -count $(BENCH_COUNT) -benchmem -timeout 3h | tee .bench/bench.txt
	$(if $(BENCH_SCALE),KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" go test ./test/integration -run '^$$' -bench 'UsersInvited$$|TransactionsApplied|RestartAtScale' -benchtime $(BENCH_SCALE) -benchmem -timeout 3h | tee .bench/scale.txt)
	@echo; echo "== median and spread of $(BENCH_COUNT) runs at $(BENCHTIME)"; cd hack/tools/benchsummary && go run . ../../../.bench/bench.txt
	$(if $(BENCH_SCALE),@echo; echo "== at $(BENCH_SCALE)"; cd hack/tools/benchsummary && go run . ../../../.bench/scale.txt)

.PHONY: fuzz
fuzz: ## Run each fuzz test in turn for FUZZTIME (30s); new failures land in testdata/fuzz.
	@for pkg in $$(go list ./... ); do \
		dir=$$(go list -f '{{.Dir}}' $$pkg); \
		for fuzz in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "== $$pkg $$fuzz"; \
			go test $$pkg -run '^$$' -fuzz "^$$fuzz\$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

.PHONY: notice
notice: ## Write NOTICE from the NOTICE files of the modules the released binaries link.
	hack/gen-notice.sh > NOTICE

.PHONY: verify
verify: manifests generate docs fmt notice ## Regenerate, tidy and format; fail if the tree changed.
	go mod tidy
	@if [ -n "$$(git status --porcelain)" ]; then \
		echo "The tree changed; commit the result of 'make generate manifests docs fmt' and 'go mod tidy':"; \
		git status --porcelain; git --no-pager diff --stat; exit 1; fi

##@ Running

.PHONY: dev
dev: controlplane build jq ## Run the operator on a local control plane with a mail catcher.
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)" $(LOCALBIN)/tenantry-dev

.PHONY: run
run: ## Run the manager against the current kubeconfig.
	go run ./cmd/manager $(ARGS)

.PHONY: build
build: ## Build the manager and the dev environment into bin/.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/tenantry-dev ./cmd/dev

.PHONY: plugin
plugin: ## Build the kubectl plugin into bin/kubectl-tenantry (put bin/ on PATH for `kubectl tenantry`).
	go build -o $(LOCALBIN)/kubectl-tenantry ./cmd/kubectl-tenantry

##@ Deployment

.PHONY: install
install: manifests $(KUSTOMIZE) ## Install the CRDs into the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl apply -f -

.PHONY: uninstall
uninstall: manifests $(KUSTOMIZE) ## Remove the CRDs from the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests $(KUSTOMIZE) ## Deploy the operator to the current cluster.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply -f -
	kubectl wait --for=condition=Established crd/roles.iam.tenantry.io --timeout=60s
	$(KUSTOMIZE) build config/roles | kubectl apply -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) ## Remove the operator from the current cluster.
	$(KUSTOMIZE) build config/roles | kubectl delete --ignore-not-found -f -
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

##@ Packaging

.PHONY: docker-build
docker-build: ## Build the manager's image IMG with CONTAINER_TOOL (docker).
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the image IMG.
	$(CONTAINER_TOOL) push $(IMG)

.PHONY: build-image-binary
build-image-binary: ## Build the manager as the image does (static, trimmed) into bin/manager-image, without a container engine.
	hack/build-manager.sh $(LOCALBIN)/manager-image

.PHONY: release
release: $(KUSTOMIZE) helm ## Build a release into dist/release: make release VERSION=v0.1.0 (docs/developer/releasing.md).
	@[[ "$(VERSION)" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "usage: make release VERSION=v0.1.0"; exit 2; }
	cd hack/release && go run . -version "$(VERSION)" -kustomize "$(KUSTOMIZE)" -helm "$$(../build-helm.sh)"

.PHONY: build-installer
build-installer: manifests $(KUSTOMIZE) ## Render CRDs, RBAC, webhooks, the manager (image IMG) and the built-in roles into dist/install.yaml.
	mkdir -p dist
	hack/build-installer.sh $(KUSTOMIZE) $(IMG) > dist/install.yaml

# The walkthroughs in docs/ read JSON answers with jq, and the docs test runs
# them; a fresh Debian or Ubuntu has none.
.PHONY: jq
jq: ## Install jq with apt-get when it is missing (the docs' examples use it).
	@command -v jq >/dev/null || { \
		command -v apt-get >/dev/null || { echo "jq is missing and there is no apt-get: install jq"; exit 1; }; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "Installing jq with apt-get..."; \
		$$sudo apt-get install -y jq || { $$sudo apt-get update && $$sudo apt-get install -y jq; }; }

# The browser tests (test/console) drive Debian's chromium headless; a fresh
# Debian or Ubuntu has none.
.PHONY: chromium
chromium: ## Install Debian's chromium with apt-get when /usr/bin/chromium is missing (the browser tests use it).
	@test -x /usr/bin/chromium || { \
		command -v apt-get >/dev/null || { echo "/usr/bin/chromium is missing and there is no apt-get: install Debian's chromium package"; exit 1; }; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "Installing chromium with apt-get..."; \
		$$sudo apt-get install -y chromium || { $$sudo apt-get update && $$sudo apt-get install -y chromium; }; }

.PHONY: helm
helm: ## Build helm from its pinned Go module (once per machine).
	@hack/build-helm.sh >/dev/null

.PHONY: helm-lint
helm-lint: helm ## Lint the chart in dist/chart.
	"$$(hack/build-helm.sh)" lint --strict dist/chart

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $@

$(KUSTOMIZE):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/kustomize $@

$(GOLANGCI_LINT):
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $@
