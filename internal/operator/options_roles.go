package operator

import (
	"errors"
	"flag"

	"github.com/tenantry-io/tenantry/internal/rbac"
)

// RoleOptions name the roles admission gives users that name none.
type RoleOptions struct {
	// FirstUser is the role of an account's first user, and the role the
	// last-owner rule protects.
	FirstUser string
	// Default is the role of every later user.
	Default string
	// GrantCeiling names the ClusterRole that bounds what Roles may grant:
	// the one bound to the manager, which the cluster administrator owns.
	GrantCeiling string
}

// defaultRoleOptions name the built-in roles config/roles installs and the
// ceiling config/rbac binds to the manager.
func defaultRoleOptions() RoleOptions {
	return RoleOptions{FirstUser: "owner", Default: "manager", GrantCeiling: rbac.DefaultGrantCeiling}
}

// BindFlags registers the role flags, with r's values as defaults.
func (r *RoleOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&r.FirstUser, "first-user-role", r.FirstUser, "Role of the first user of an account that names none; the last active user holding it cannot be demoted, disabled or deleted.")
	fs.StringVar(&r.Default, "default-role", r.Default, "Role of later users that name none.")
	fs.StringVar(&r.GrantCeiling, "grant-ceiling", r.GrantCeiling, "ClusterRole bound to the manager that bounds what Roles may grant; a Role granting more reports BeyondGrantCeiling.")
}

// validate reports the invalid role options, in flag terms.
func (r RoleOptions) validate() []error {
	var errs []error
	if r.GrantCeiling == "" {
		errs = append(errs, errors.New("--grant-ceiling must name the ClusterRole that bounds what Roles may grant"))
	}
	if r.FirstUser == "" || r.Default == "" {
		errs = append(errs, errors.New("--first-user-role and --default-role must name roles"))
	}
	return errs
}
