// Package integration is the black-box suite of the controllers: each test
// starts the whole manager (internal/operator, as cmd/manager does) against
// a real kube-apiserver and etcd (no kube-controller-manager: the end-to-end
// tests in test/e2e run one, for garbage collection and namespaces), with the
// admission webhooks served in-process and a real SMTP server per test, and
// asserts what a user of the API sees. The benchmarks live here too (`make
// bench`). The controllers' pure rules are tested next to them, in
// controllers/<kind>. They need KUBEBUILDER_ASSETS: run them with `make
// test`.
package integration
