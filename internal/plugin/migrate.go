package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

const secretsResource = "secrets"

// defaultCredentialsNamespace is where config/default and the chart install
// the operator.
const defaultCredentialsNamespace = "tenantry-system"

func newMigrateCredentialsCommand(o *options) *cobra.Command {
	credentialsNamespace := defaultCredentialsNamespace
	cmd := &cobra.Command{
		Use:   "migrate-credentials",
		Short: "Move the credential Secrets of an earlier version from the account namespaces to the operator's",
		Long: `Earlier versions kept each user's credential Secret (<user>-credentials) in the
account namespace, where anyone who may create Pods there could mount it. The
operator now keeps them in its own namespace and has no right to read Secrets
elsewhere, so a cluster administrator moves them once, with their own rights:
each <user>-credentials Secret labelled iam.tenantry.io/user is copied to the
operator's namespace as <account>.<user> and then deleted. Secrets a
ServiceClass provisioned stay. Running it again is harmless.`,
		Example: `  kubectl tenantry migrate-credentials                  # every account
  kubectl tenantry migrate-credentials -n acme          # one account
  kubectl tenantry migrate-credentials --credentials-namespace ops-tenantry`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.runMigrateCredentials(cmd.Context(), credentialsNamespace)
		},
	}
	cmd.Flags().StringVar(&credentialsNamespace, "credentials-namespace", credentialsNamespace,
		"the operator's namespace (its --credentials-namespace)")
	return cmd
}

// migration counts what a run did.
type migration struct {
	moved, alreadyMoved int
	conflicts           []string
}

func (o *options) runMigrateCredentials(ctx context.Context, credentialsNamespace string) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	// Every account unless -n names one.
	namespace := ""
	if o.config.Namespace != nil {
		namespace = *o.config.Namespace
	}
	var legacy corev1.SecretList
	if err := c.list(ctx, &legacy, namespace, iamv1alpha1.UserLabel); err != nil {
		return explain(err, access{verbList, secretsResource, namespace})
	}
	var m migration
	for i := range legacy.Items {
		old := &legacy.Items[i]
		if old.Namespace == credentialsNamespace || !isLegacyCredentials(old) {
			continue
		}
		if err := migrateSecret(ctx, c, old, credentialsNamespace, &m); err != nil {
			return fmt.Errorf("%w (moved %d so far)", err, m.moved)
		}
	}
	_, _ = fmt.Fprintf(o.streams.Out, "credential Secrets moved to %s: %d, moved before: %d, left in place: %d\n",
		credentialsNamespace, m.moved, m.alreadyMoved, len(m.conflicts))
	if len(m.conflicts) > 0 {
		for _, conflict := range m.conflicts {
			_, _ = fmt.Fprintln(o.streams.ErrOut, conflict)
		}
		return errors.New("some credential Secrets were left in place: compare each with its copy and delete the one that is not current")
	}
	return nil
}

// migrateSecret copies one account-namespace Secret to the credentials
// namespace and deletes it. A copy with the same data counts as done (a
// run interrupted between copy and delete); a different one is the
// operator's newer state, so the old Secret is left for a person to judge.
func migrateSecret(ctx context.Context, c *kubeClient, old *corev1.Secret, credentialsNamespace string, m *migration) error {
	account, user := old.Namespace, old.Labels[iamv1alpha1.UserLabel]
	moved := credentials.NewSecret(credentialsNamespace, account, user, ownerUID(old, user))
	moved.Type, moved.Data = old.Type, maps.Clone(old.Data)
	where := keyOf(moved)

	existing := &corev1.Secret{}
	err := c.get(ctx, where, existing)
	switch {
	case apierrors.IsNotFound(err):
		if err := c.create(ctx, moved); err != nil {
			return explain(err, access{verbCreate, secretsResource, credentialsNamespace})
		}
		m.moved++
	case err != nil:
		return explain(err, access{verbGet, secretsResource, credentialsNamespace})
	case sameData(existing.Data, old.Data):
		m.alreadyMoved++
	default:
		m.conflicts = append(m.conflicts, fmt.Sprintf("%s/%s: %s/%s exists with other data", old.Namespace, old.Name, where.Namespace, where.Name))
		return nil
	}
	err = c.delete(ctx, old, &metav1.Preconditions{UID: &old.UID, ResourceVersion: &old.ResourceVersion})
	if err != nil && !apierrors.IsNotFound(err) {
		return explain(err, access{verbDelete, secretsResource, old.Namespace})
	}
	return nil
}

// isLegacyCredentials tells an earlier version's credential Secret,
// <user>-credentials, from other Secrets that name a user: those a
// ServiceClass provisioned for one carry the user label too, and stay.
func isLegacyCredentials(secret *corev1.Secret) bool {
	user := secret.Labels[iamv1alpha1.UserLabel]
	return user != "" && secret.Name == user+legacySuffix && secret.Labels[iamv1alpha1.ServiceClassLabel] == ""
}

// legacySuffix ended the name of a credential Secret in earlier versions.
const legacySuffix = "-credentials"

// ownerUID is the UID of the User an old Secret's owner reference names,
// which the moved Secret keeps: a User deleted and created again under the
// same name must not inherit it.
func ownerUID(old *corev1.Secret, user string) types.UID {
	for _, ref := range old.OwnerReferences {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err == nil && gv.Group == iamv1alpha1.GroupVersion.Group && ref.Kind == "User" && ref.Name == user {
			return ref.UID
		}
	}
	return ""
}

func sameData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, bytes.Equal)
}
