// Package packaging checks what Tenantry ships besides its code: the image's
// binary builds with the image's flags, and the installer (config/default
// and config/roles, as `make build-installer` renders them) and the Helm
// chart in dist/chart lint, render and pass a server-side dry run against a
// real API server, so a broken manifest fails the tests. They need
// KUBEBUILDER_ASSETS (kube-apiserver, etcd, kubectl) and build helm from its
// pinned module once per machine (hack/build-helm.sh): run them with
// `make test`.
package packaging
