// Package role holds the Role controller: it renders each Role as the
// ClusterRole its holders' RoleBindings name, keeps what it grants within
// the grant ceiling (role_ceiling.go), and counts the Role's users.
//
// It writes the Role's status: conditions, observedGeneration,
// clusterRoleName and users. It owns the rendered ClusterRole.
package role
