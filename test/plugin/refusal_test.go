package plugin

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// clerk may read and edit the users of account refusals, and nothing else.
const (
	refusals = "refusals"
	clerk    = "clerk@refusals.example"
)

// notPermission is how the plugin says admission, not RBAC, refused.
const notPermission = "refused by the cluster's admission rules, not for lack of permission"

// An administrator who holds the right and meets a rule is shown the rule,
// not sent to fix RBAC; one who lacks the right is.
func TestAdmissionRefusalIsToldFromMissingPermission(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "refusals")
	owner := testsupport.NewUser("refusals", "olga", "olga@refusals.example")
	owner.Spec.Role = "owner"
	testsupport.CreateUser(t, k8s, owner)
	testsupport.CreateUser(t, k8s, testsupport.NewUser("refusals", "hugo", "hugo@refusals.example"))
	grantClerk(t)

	// A webhook: the last-owner rule.
	r := run(t, "disable", "olga", "-n", "refusals", "--as", clerk)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`patch users.iam.tenantry.io ` + notPermission))
	g.Expect(r.stderr).To(gomega.ContainSubstring(`admission webhook "vuser.iam.tenantry.io" denied the request`))
	g.Expect(r.stderr).To(gomega.ContainSubstring("last-owner rule: an account keeps at least one active owner"))
	g.Expect(r.stderr).NotTo(gomega.ContainSubstring("permission denied"))

	// The schema: a role no Role could be named.
	r = run(t, "set-role", "hugo", "Not_A_Role", "-n", "refusals", "--as", clerk)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(notPermission))
	g.Expect(r.stderr).To(gomega.ContainSubstring("spec.role: Invalid value"))
	g.Expect(r.stderr).NotTo(gomega.ContainSubstring("permission denied"))

	// A ValidatingAdmissionPolicy the cluster's administrator wrote.
	holdAccount(t)
	r = run(t, "disable", "hugo", "-n", "refusals", "--as", clerk)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("account refusals is on legal hold"))
	g.Expect(r.stderr).To(gomega.ContainSubstring(notPermission))
	g.Expect(r.stderr).To(gomega.ContainSubstring("ValidatingAdmissionPolicy"))
	g.Expect(r.stderr).NotTo(gomega.ContainSubstring("permission denied"))

	// RBAC: the clerk may not move money.
	r = run(t, "refill", "hugo", "10", "-n", "refusals", "--currency", "USD", "--as", clerk)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`permission denied: this needs "create" on balancetransactions.iam.tenantry.io in namespace "refusals"`))
	g.Expect(r.stderr).NotTo(gomega.ContainSubstring(notPermission))

	hugo := testsupport.GetUser(g, k8s, client.ObjectKey{Namespace: "refusals", Name: "hugo"})
	g.Expect(hugo.Spec.Role).To(gomega.Equal("manager"), "nothing refused was stored")
	g.Expect(hugo.Spec.State).To(gomega.Equal(iamv1alpha1.UserStateActive))
}

// grantClerk lets the clerk read and edit the users of account refusals.
func grantClerk(t *testing.T) {
	t.Helper()
	ns := refusals
	ctx := context.Background()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "clerk"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{iamv1alpha1.GroupVersion.Group}, Resources: []string{"users"},
			Verbs: []string{"get", "list", "watch", "patch"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "clerk"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: clerk}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatalf("grant the clerk: %v", err)
		}
	}
}

// holdAccount installs a ValidatingAdmissionPolicy, as a cluster
// administrator would, that keeps the users of account refusals from being
// disabled, and waits until it holds hugo; it is removed when the test ends.
func holdAccount(t *testing.T) {
	t.Helper()
	ns := refusals
	ctx := context.Background()
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "legal-hold-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
						Rule: admissionregistrationv1.Rule{
							APIGroups: []string{iamv1alpha1.GroupVersion.Group}, APIVersions: []string{iamv1alpha1.GroupVersion.Version},
							Resources: []string{"users"},
						},
					},
				}},
			},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "!has(object.spec.state) || object.spec.state != 'Disabled'",
				Message:    "account " + ns + " is on legal hold: its users cannot be disabled",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
			},
		},
	}
	for _, obj := range []client.Object{policy, binding} {
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatalf("install the legal hold: %v", err)
		}
		t.Cleanup(func() {
			if err := k8s.Delete(ctx, obj); err != nil {
				t.Errorf("remove the legal hold: %v", err)
			}
		})
	}
	// The API server enforces a policy once its informers have it: a
	// server-side dry run of the refused change says when.
	hold := []byte(`{"spec":{"state":"Disabled"}}`)
	gomega.NewWithT(t).Eventually(func() error {
		probe := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hugo"}}
		return k8s.Patch(ctx, probe, client.RawPatch(types.MergePatchType, hold), client.DryRunAll)
	}).WithTimeout(30 * time.Second).Should(gomega.MatchError(gomega.ContainSubstring("legal hold")))
}
