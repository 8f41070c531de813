// Package docs checks that the YAML people copy from the README,
// config/samples and config/roles is what the API server accepts: each
// document is applied with a server-side dry run against a real
// kube-apiserver with the CRDs installed. A README block that shows a
// mistake on purpose is marked with the HTML comment <!-- invalid --> on
// a line before its fence, and must then be refused, with the message the
// README prints next to it. The tests need KUBEBUILDER_ASSETS: run them
// with `make test`.
package docs
