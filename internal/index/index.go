package index

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// entry is one field index: the kind it is on, its field name, and the
// function that computes it.
type entry struct {
	obj     client.Object
	field   string
	extract client.IndexerFunc
	what    string
}

func entries() []entry {
	return []entry{
		{&corev1.Secret{}, SecretTokenHashField, SecretTokenHashes, "credential secrets by token hash"},
		{newUser(), UserRoleField, UserRole, "users by role"},
		{newUser(), UserServiceClassField, UserServiceClasses, "users by service class"},
		{newUser(), UserEmailField, UserEmail, "users by email"},
		{newTransaction(), TransactionUserField, TransactionUser, "balance transactions by user"},
		{newTeam(), TeamMemberField, TeamMembers, "teams by member"},
		{newTeam(), TeamRoleField, TeamRole, "teams by role"},
	}
}

// AddDefaultIndexes registers every field index on the manager's cache.
// Call it once, before the manager starts.
func AddDefaultIndexes(ctx context.Context, mgr ctrl.Manager) error {
	indexer := mgr.GetFieldIndexer()
	for _, e := range entries() {
		if err := indexer.IndexField(ctx, e.obj, e.field, e.extract); err != nil {
			return fmt.Errorf("index %s: %w", e.what, err)
		}
	}
	return nil
}
