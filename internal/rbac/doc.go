// Package rbac renders Roles and Users as the Kubernetes RBAC objects that
// grant them: one builder per object, pure functions of their inputs, so
// that what a role grants is decided here and tested without a server. The
// controllers only compare what a builder returns with what exists. Who
// may act as whom ("log in as", kubectl --as) is decided here too, once
// for both.
package rbac
