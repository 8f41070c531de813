package credentials

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// SecretKey is where the credential Secret of a user lives: in the
// operator's own namespace (credentialsNamespace), never in the account's,
// where whoever may create a Pod could mount it whatever the Secrets RBAC
// says. The name is "<account>.<user>": namespace names hold no ".", so no
// two users of different accounts share one, and both parts are DNS labels
// of at most 63 characters, well within a Secret name's 253.
func SecretKey(credentialsNamespace, account, user string) client.ObjectKey {
	return client.ObjectKey{Namespace: credentialsNamespace, Name: account + "." + user}
}

// SecretLabels are the labels of a user's credential Secret. They name the
// User the Secret belongs to: an owner reference cannot cross namespaces,
// so the labels are what leads back from the Secret to its User.
func SecretLabels(account, user string) map[string]string {
	return map[string]string{
		iamv1alpha1.UserLabel:      user,
		iamv1alpha1.AccountLabel:   account,
		iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
	}
}

// OwnerUIDAnnotation holds the UID of the User a credential Secret was made
// for. It does what an owner reference did when the Secret lived beside its
// User: a User deleted and created again under the same name is another
// person, and a Secret the old one left behind is not the new one's.
const OwnerUIDAnnotation = "iam.tenantry.io/user-uid"

// NewSecret is an empty credential Secret of a user, at SecretKey with
// SecretLabels, naming the User's UID when it has one.
func NewSecret(credentialsNamespace, account, user string, uid types.UID) *corev1.Secret {
	key := SecretKey(credentialsNamespace, account, user)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: SecretLabels(account, user)},
		Type:       corev1.SecretTypeOpaque,
	}
	if uid != "" {
		secret.Annotations = map[string]string{OwnerUIDAnnotation: string(uid)}
	}
	return secret
}

// SecretOwner names the User a credential Secret belongs to, from its
// labels; ok is false for a Secret that names no user and account.
func SecretOwner(secret client.Object) (owner types.NamespacedName, ok bool) {
	labels := secret.GetLabels()
	owner = types.NamespacedName{Namespace: labels[iamv1alpha1.AccountLabel], Name: labels[iamv1alpha1.UserLabel]}
	return owner, owner.Namespace != "" && owner.Name != ""
}

// IsSecretOf reports whether secret is the credential Secret of user:
// labelled for it and, when the Secret names a UID, made for this very
// User. A Secret that only has the name may be someone else's, or a former
// user's of the same name, and is never taken over.
func IsSecretOf(secret, user client.Object) bool {
	owner, ok := SecretOwner(secret)
	if !ok || owner != (types.NamespacedName{Namespace: user.GetNamespace(), Name: user.GetName()}) {
		return false
	}
	uid := secret.GetAnnotations()[OwnerUIDAnnotation]
	return uid == "" || uid == string(user.GetUID())
}
