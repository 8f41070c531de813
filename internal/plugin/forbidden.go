package plugin

import (
	"fmt"
)

// access is one request a command makes, named the way RBAC names it, so a
// refusal can say which rule is missing.
type access struct {
	verb      string
	resource  string // with its group, e.g. users.iam.tenantry.io
	namespace string // empty for a cluster-scoped resource or all namespaces
}

func (a access) String() string {
	where := "cluster-wide"
	if a.namespace != "" {
		where = fmt.Sprintf("in namespace %q", a.namespace)
	}
	return fmt.Sprintf("%q on %s %s", a.verb, a.resource, where)
}

// explain turns a refusal by authorization into one that names the
// permission the command needed, and one by admission into the rule's own
// message, said not to be about permissions: a 403 from the last-owner rule
// sent to fix RBAC sends an administrator to fix the wrong thing. Other
// errors pass through with what was being done.
func explain(err error, a access) error {
	if err == nil {
		return nil
	}
	switch refusalOf(err) {
	case refusedByRBAC:
		return fmt.Errorf("permission denied: this needs %s, which your identity does not have (ask an admin for a Role granting it): %w", a, err)
	case refusedByAdmission:
		return fmt.Errorf("%s %s refused by the cluster's admission rules, not for lack of permission: %w", a.verb, a.resource, err)
	default:
		return fmt.Errorf("%s %s: %w", a.verb, a.resource, err)
	}
}

const (
	usersResource          = "users.iam.tenantry.io"
	transactionsResource   = "balancetransactions.iam.tenantry.io"
	serviceClassesResource = "serviceclasses.iam.tenantry.io"
	userChangesResource    = "userchanges.iam.tenantry.io"
)

// The verbs the commands use, as RBAC names them.
const (
	verbGet    = "get"
	verbList   = "list"
	verbCreate = "create"
	verbPatch  = "patch"
	verbDelete = "delete"
)
