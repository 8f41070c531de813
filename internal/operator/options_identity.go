package operator

import (
	"flag"
	"fmt"

	"github.com/tenantry-io/tenantry/internal/rbac"
)

// IdentityOptions say how the cluster's authenticator names the person
// behind a User; RoleBindings name them the same way.
type IdentityOptions struct {
	// Kind is the RBAC subject kind, User or Group.
	Kind string
	// Prefix goes before the email, like --oidc-username-prefix.
	Prefix string
}

// defaultIdentityOptions name the person by their email alone, as rbac's
// default identity does.
func defaultIdentityOptions() IdentityOptions {
	id := rbac.Identity{}.OrDefault()
	return IdentityOptions{Kind: id.Kind, Prefix: id.Prefix}
}

// BindFlags registers the identity flags, with id's values as defaults.
func (id *IdentityOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&id.Kind, "identity-kind", id.Kind, "RBAC subject kind a user's RoleBinding names the person as: User or Group.")
	fs.StringVar(&id.Prefix, "identity-prefix", id.Prefix, "Prefix before the email in RoleBinding subjects; match the API server's --oidc-username-prefix.")
}

// validate reports an identity RBAC would not match, in flag terms.
func (id IdentityOptions) validate() []error {
	if err := (rbac.Identity{Kind: id.Kind, Prefix: id.Prefix}).Validate(); err != nil {
		return []error{fmt.Errorf("--identity-kind: %w", err)}
	}
	return nil
}
