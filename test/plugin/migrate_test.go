package plugin

import (
	"context"
	"testing"

	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// An operator upgraded from a version that kept credential Secrets in the
// account namespace finds them missing in its own; a cluster administrator
// moves them with migrate-credentials and the person signs in as before.
func TestMigrateCredentialsMovesLegacySecrets(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createAccount(t, "legacy")
	key := testsupport.CreateUser(t, k8s, testsupport.NewUser("legacy", "lee", "lee@legacy.example"))
	acceptInvitation(t, "lee@legacy.example")
	var user *iamv1alpha1.User
	g.Eventually(func(g gomega.Gomega) {
		user = testsupport.GetUser(g, k8s, key)
		g.Expect(user.Status.Phase).To(gomega.Equal(iamv1alpha1.UserPhaseActive))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	// The layout of the earlier version: <user>-credentials beside the
	// User, owned by it, and nothing in the operator's namespace.
	newKey := credentials.SecretKey("tenantry-system", "legacy", "lee")
	current := &corev1.Secret{}
	g.Expect(k8s.Get(ctx, newKey, current)).To(gomega.Succeed())
	legacy := legacySecret(user, current.Data)
	g.Expect(k8s.Create(ctx, legacy)).To(gomega.Succeed())
	g.Expect(k8s.Delete(ctx, current)).To(gomega.Succeed())

	// The operator does not make a new, empty Secret that would lose the
	// password: it stalls and says what to run.
	g.Eventually(func(g gomega.Gomega) {
		stalled := findCondition(testsupport.GetUser(g, k8s, key), iamv1alpha1.StalledCondition)
		g.Expect(stalled).NotTo(gomega.BeNil())
		g.Expect(stalled.Message).To(gomega.And(
			gomega.ContainSubstring("tenantry-system/legacy.lee is missing"),
			gomega.ContainSubstring("kubectl tenantry migrate-credentials")))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	g.Expect(apierrors.IsNotFound(k8s.Get(ctx, newKey, &corev1.Secret{}))).To(gomega.BeTrue(), "a new Secret was made")

	// A Secret a ServiceClass provisioned for lee names him too, and stays.
	provisioned := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "legacy", Name: "lee-mailbox", Labels: map[string]string{
		iamv1alpha1.UserLabel: "lee", iamv1alpha1.AccountLabel: "legacy", iamv1alpha1.ServiceClassLabel: "mailbox",
	}}}
	g.Expect(k8s.Create(ctx, provisioned)).To(gomega.Succeed())

	out := mustRun(t, "migrate-credentials", "-n", "legacy")
	g.Expect(out).To(gomega.ContainSubstring("credential Secrets moved to tenantry-system: 1, moved before: 0, left in place: 0"))
	g.Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(legacy), &corev1.Secret{}))).
		To(gomega.BeTrue(), "the old Secret is still in the account namespace")
	moved := &corev1.Secret{}
	g.Expect(k8s.Get(ctx, newKey, moved)).To(gomega.Succeed())
	g.Expect(moved.Data).To(gomega.Equal(current.Data))
	g.Expect(credentials.IsSecretOf(moved, user)).To(gomega.BeTrue())
	g.Expect(moved.Annotations[credentials.OwnerUIDAnnotation]).To(gomega.Equal(string(user.UID)))
	g.Expect(credentials.CheckPassword(moved.Data[credentials.KeyPasswordHash], password)).To(gomega.BeTrue())
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(provisioned), &corev1.Secret{})).To(gomega.Succeed(), "a provisioned Secret was moved")

	// The operator finds it and the person signs in with the password set
	// before the upgrade.
	g.Eventually(func(g gomega.Gomega) {
		u := testsupport.GetUser(g, k8s, key)
		g.Expect(findCondition(u, iamv1alpha1.StalledCondition)).To(gomega.BeNil())
		g.Expect(u.Status.Phase).To(gomega.Equal(iamv1alpha1.UserPhaseActive))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	login := runEnv(t, []string{"TENANTRY_PASSWORD=" + password}, "login", "--server="+selfService.url,
		"--account=legacy", "--email=lee@legacy.example", "--certificate-authority="+selfService.cert.CAFile)
	g.Expect(login.err).NotTo(gomega.HaveOccurred(), login.stderr)
	g.Expect(login.stdout).To(gomega.ContainSubstring(`"token"`))

	// A run interrupted between copy and delete is finished by the next.
	g.Expect(k8s.Get(ctx, newKey, moved)).To(gomega.Succeed()) // the login wrote its session
	again := legacySecret(user, moved.Data)
	g.Expect(k8s.Create(ctx, again)).To(gomega.Succeed())
	out = mustRun(t, "migrate-credentials")
	g.Expect(out).To(gomega.ContainSubstring("moved to tenantry-system: 0, moved before: 1, left in place: 0"))
	g.Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(again), &corev1.Secret{}))).To(gomega.BeTrue())

	// One that differs from the operator's copy is left for a person.
	stale := legacySecret(user, map[string][]byte{credentials.KeyPasswordHash: []byte("older")})
	g.Expect(k8s.Create(ctx, stale)).To(gomega.Succeed())
	r := run(t, "migrate-credentials", "-n", "legacy")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("legacy/lee-credentials: tenantry-system/legacy.lee exists with other data"))
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(stale), &corev1.Secret{})).To(gomega.Succeed())
	g.Expect(k8s.Get(ctx, newKey, moved)).To(gomega.Succeed())
	g.Expect(credentials.CheckPassword(moved.Data[credentials.KeyPasswordHash], password)).To(gomega.BeTrue())
}

// legacySecret is a credential Secret as earlier versions kept it.
func legacySecret(user *iamv1alpha1.User, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: user.Namespace, Name: user.Name + "-credentials",
			Labels:          map[string]string{iamv1alpha1.UserLabel: user.Name, iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(user, iamv1alpha1.GroupVersion.WithKind("User"))},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
}

func findCondition(user *iamv1alpha1.User, conditionType string) *metav1.Condition {
	for i := range user.Status.Conditions {
		if user.Status.Conditions[i].Type == conditionType {
			return &user.Status.Conditions[i]
		}
	}
	return nil
}
