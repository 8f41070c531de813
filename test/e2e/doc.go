// Package e2e holds end-to-end tests that drive the real kubectl binary
// against a local control plane running the operator in-process, with the
// YAML in config/samples, as a person would. They need KUBEBUILDER_ASSETS:
// run them with `make test`.
package e2e
