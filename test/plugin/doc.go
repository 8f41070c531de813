// Package plugin tests `kubectl tenantry` the way a person runs it: the
// built binary against a real API server, admission webhooks and a running
// manager, with its output read as text.
package plugin
