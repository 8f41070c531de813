package operator

import (
	"os"
	"strings"
)

// fallbackNamespace is the operator's namespace when it runs outside a
// cluster and names none: the one config/default deploys to.
const fallbackNamespace = "tenantry-system"

// serviceAccountNamespace is where a Pod finds its own namespace; leader
// election reads it too.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// ownNamespace is the namespace the manager runs in: POD_NAMESPACE (set from
// the downward API by the shipped Deployment), else the ServiceAccount's,
// else fallbackNamespace.
func ownNamespace() string {
	if ns := strings.TrimSpace(os.Getenv("POD_NAMESPACE")); ns != "" {
		return ns
	}
	if data, err := os.ReadFile(serviceAccountNamespace); err == nil {
		if ns := strings.TrimSpace(string(data)); ns != "" {
			return ns
		}
	}
	return fallbackNamespace
}
