package operator

import "testing"

func TestCredentialsNamespaceDefaultsToTheManagersOwn(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "ops-tenantry")
	if got := DefaultOptions().CredentialsNamespace; got != "ops-tenantry" {
		t.Errorf("with POD_NAMESPACE set, --credentials-namespace defaults to %q", got)
	}
	t.Setenv("POD_NAMESPACE", "")
	// Outside a Pod there is no ServiceAccount namespace file either.
	if got := DefaultOptions().CredentialsNamespace; got != fallbackNamespace {
		t.Errorf("outside a cluster, --credentials-namespace defaults to %q, want %q", got, fallbackNamespace)
	}
}
