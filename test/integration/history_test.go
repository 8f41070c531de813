package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/controllers/historypruner"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// personClient is a client that the API server authenticates as a person
// of its own (a client certificate), bound to a Tenantry role in one
// account: what it may do is what that role grants, nothing more.
func personClient(t *testing.T, name, ns, role string) client.Client {
	t.Helper()
	g := NewWithT(t)
	person, err := env.AddUser(envtest.User{Name: name}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	c, err := client.New(person.Config(), client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "test:" + strings.ReplaceAll(name, "@", "-")},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: rbac.ClusterRoleName(role)},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}},
	}
	g.Expect(k8s.Create(context.Background(), binding)).To(Succeed())
	// The role's ClusterRole is rendered by the running manager.
	g.Eventually(func() error {
		return c.List(context.Background(), &iamv1alpha1.UserList{}, client.InNamespace(ns))
	}).WithTimeout(timeout).Should(Succeed())
	return c
}

// historyOf lists a user's change records, oldest first.
func historyOf(g Gomega, ns, user string) []iamv1alpha1.UserChange {
	list := &iamv1alpha1.UserChangeList{}
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{iamv1alpha1.UserLabel: user})).To(Succeed())
	slices.SortFunc(list.Items, func(a, b iamv1alpha1.UserChange) int { return a.Spec.Time.Compare(b.Spec.Time.Time) })
	return list.Items
}

// step is what a test expects of one record.
type step struct {
	seq       int64
	action    iamv1alpha1.UserChangeAction
	requester string
}

func stepsOf(records []iamv1alpha1.UserChange) []step {
	steps := make([]step, 0, len(records))
	for _, r := range records {
		steps = append(steps, step{r.Spec.Sequence, r.Spec.Action, r.Spec.Requester.Username})
	}
	return steps
}

func TestHistoryRecordsWhoChangedWhat(t *testing.T) {
	_, ns := startAccount(t)
	ctx := context.Background()
	g := NewWithT(t)
	alice := personClient(t, "alice@history.example", ns, "owner")
	bob := personClient(t, "bob@history.example", ns, "owner")

	carol := newUser(ns, "carol", "carol@history.example")
	g.Expect(alice.Create(ctx, carol)).To(Succeed())
	key := client.ObjectKeyFromObject(carol)
	stale := carol.DeepCopy()
	g.Expect(changeUserAs(bob, key, func(u *iamv1alpha1.User) { u.Spec.FullName = "Carol Example" })).To(Succeed())
	g.Expect(changeUserAs(bob, key, func(u *iamv1alpha1.User) {
		metav1.SetMetaDataAnnotation(&u.ObjectMeta, iamv1alpha1.UnlockAnnotation, "2026-12-03T10:00:00Z")
	})).To(Succeed())

	// Two changes the API server refuses after the mutating webhook saw
	// them: a write from a stale copy, and one a policy denies.
	stale.Spec.FullName = "Stale Write"
	g.Expect(apierrors.IsConflict(alice.Update(ctx, stale))).To(BeTrue(), "a write from a stale copy conflicts")
	denyFullName(t, ns, "Mallory")
	err := changeUserAs(alice, key, func(u *iamv1alpha1.User) { u.Spec.FullName = "Mallory" })
	g.Expect(apierrors.IsInvalid(err) || apierrors.IsForbidden(err)).To(BeTrue(), "the policy refuses Mallory: %v", err)

	g.Expect(changeUserAs(alice, key, func(u *iamv1alpha1.User) { u.Spec.Phone = "15550100" })).To(Succeed())

	want := []step{
		{1, iamv1alpha1.ChangeCreated, "alice@history.example"},
		{2, iamv1alpha1.ChangeUpdated, "bob@history.example"},
		{3, iamv1alpha1.ChangeUnlocked, "bob@history.example"},
		{4, iamv1alpha1.ChangeUpdated, "alice@history.example"},
	}
	g.Eventually(func(g Gomega) { g.Expect(stepsOf(historyOf(g, ns, "carol"))).To(Equal(want)) }).WithTimeout(timeout).Should(Succeed())
	records := historyOf(g, ns, "carol")
	g.Expect(records[1].Spec.Changes).To(Equal([]iamv1alpha1.FieldChange{{Path: "spec.fullName", Old: "Alice Example", New: "Carol Example"}}))
	g.Expect(records[3].Spec.Changes).To(Equal([]iamv1alpha1.FieldChange{{Path: "spec.phone", New: "15550100"}}))
	g.Expect(records[0].Spec.Changes).To(ContainElement(iamv1alpha1.FieldChange{Path: "spec.email", New: "carol@history.example"}))
	g.Expect(records[0].Spec.Requester.Groups).To(ContainElement("system:authenticated"))
	for _, r := range records {
		for _, c := range r.Spec.Changes {
			g.Expect(c.New).NotTo(Or(Equal("Stale Write"), Equal("Mallory")), "a refused change is not recorded")
		}
	}
	g.Expect(getUser(g, key).Annotations).To(HaveKey(iamv1alpha1.PendingChangesAnnotation))

	// The deletion is recorded with who asked, and the history outlives
	// the user.
	g.Expect(alice.Delete(ctx, getUser(g, key))).To(Succeed())
	g.Eventually(func() bool { return apierrors.IsNotFound(k8s.Get(ctx, key, &iamv1alpha1.User{})) }).WithTimeout(timeout).Should(BeTrue())
	g.Eventually(func(g Gomega) {
		g.Expect(stepsOf(historyOf(g, ns, "carol"))).To(Equal(append(want, step{5, iamv1alpha1.ChangeDeleted, "alice@history.example"})))
	}).WithTimeout(timeout).Should(Succeed())

	// The records are scoped like the users: alice reads them in her
	// account, nowhere else, and cannot write them.
	g.Expect(alice.List(ctx, &iamv1alpha1.UserChangeList{}, client.InNamespace(ns))).To(Succeed())
	other := newNamespace(t)
	g.Expect(apierrors.IsForbidden(alice.List(ctx, &iamv1alpha1.UserChangeList{}, client.InNamespace(other)))).To(BeTrue())
	forged := records[0].DeepCopy()
	forged.Spec.Requester.Username = "someone-else"
	g.Expect(apierrors.IsForbidden(alice.Update(ctx, forged))).To(BeTrue(), "nobody but the operator writes the history")
}

// changeUserAs patches the user as c sees it now.
func changeUserAs(c client.Client, key client.ObjectKey, change func(u *iamv1alpha1.User)) error {
	user := &iamv1alpha1.User{}
	if err := c.Get(context.Background(), key, user); err != nil {
		return err
	}
	patch := client.MergeFrom(user.DeepCopy())
	change(user)
	return c.Patch(context.Background(), user, patch)
}

// denyFullName installs a ValidatingAdmissionPolicy, which the API server
// runs after the mutating webhooks, refusing users of ns with that name;
// it returns once the policy refuses a server-side dry run.
func denyFullName(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	g := NewWithT(t)
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{iamv1alpha1.GroupVersion.Group},
						APIVersions: []string{iamv1alpha1.GroupVersion.Version}, Resources: []string{"users"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: fmt.Sprintf("object.spec.fullName != %q", name), Message: "that name is not allowed here",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
		},
	}
	g.Expect(k8s.Create(ctx, policy)).To(Succeed())
	g.Expect(k8s.Create(ctx, binding)).To(Succeed())
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, binding)
		_ = k8s.Delete(ctx, policy)
	})
	probe := newUser(ns, "policy-probe", "probe@history.example")
	createUser(t, probe)
	g.Eventually(func() error {
		return changeUserDryRun(client.ObjectKeyFromObject(probe), name)
	}).WithTimeout(timeout).Should(HaveOccurred())
}

func changeUserDryRun(key client.ObjectKey, fullName string) error {
	user := &iamv1alpha1.User{}
	if err := k8s.Get(context.Background(), key, user); err != nil {
		return err
	}
	patch := client.MergeFrom(user.DeepCopy())
	user.Spec.FullName = fullName
	return k8s.Patch(context.Background(), user, patch, client.DryRunAll)
}

func TestHistoryKeepsTheLimitPerUser(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.Records.HistoryLimit = 3
	startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "dora", "dora@history.example"))
	g := NewWithT(t)
	for i := range 4 {
		g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Phone = fmt.Sprintf("1555010%d", i) })).To(Succeed())
		// One at a time, so that each is filed before the next comes.
		g.Eventually(func() int64 { return filedSequence(g, key) }).WithTimeout(timeout).Should(BeEquivalentTo(i + 2))
	}
	g.Eventually(func(g Gomega) {
		steps := stepsOf(historyOf(g, ns, "dora"))
		seqs := make([]int64, 0, len(steps))
		for _, s := range steps {
			seqs = append(seqs, s.seq)
		}
		g.Expect(seqs).To(Equal([]int64{3, 4, 5}))
	}).WithTimeout(timeout).Should(Succeed())
}

func filedSequence(g Gomega, key client.ObjectKey) int64 {
	u := getUser(g, key)
	if u.Status.History == nil {
		return 0
	}
	return u.Status.History.FiledSequence
}

func TestHistoryPrunerDeletesExpiredRecords(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	// The manager's own pruner looks every 200ms and keeps a record a
	// second; it takes the records of a new user soon after they are filed.
	opts.Records.HistoryRetention = time.Second
	opts.Records.HistoryPruneInterval = 200 * time.Millisecond
	tm := startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "erin", "erin@history.example"))
	g := NewWithT(t)
	g.Eventually(func() int64 { return filedSequence(g, key) }).WithTimeout(timeout).Should(BeEquivalentTo(1))
	g.Eventually(func(g Gomega) { g.Expect(historyOf(g, ns, "erin")).To(BeEmpty()) }).WithTimeout(timeout).Should(Succeed())
	tm.stop(t)

	// Pruning itself, on a clock of its own: an old record goes, a
	// recent one stays.
	recent := &iamv1alpha1.UserChange{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "erin-recent", Labels: map[string]string{iamv1alpha1.UserLabel: "erin"}},
		Spec: iamv1alpha1.UserChangeSpec{User: "erin", UserUID: "u", Action: iamv1alpha1.ChangeUpdated,
			Requester: iamv1alpha1.Requester{Username: "test"}, Time: metav1.NowMicro()},
	}
	g.Expect(k8s.Create(context.Background(), recent)).To(Succeed())
	clock := &offsetClock{offset: 30 * time.Minute}
	pruner := &historypruner.Pruner{Reader: k8s, Writer: k8s, Retention: time.Hour, Clock: clock}
	pruned, err := pruner.Prune(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pruned).To(BeZero())
	clock.Add(90 * time.Minute) // two hours on: beyond the retention
	pruned, err = pruner.Prune(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pruned).To(BeNumerically(">=", 1))
	g.Expect(apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(recent), &iamv1alpha1.UserChange{}))).To(BeTrue())
}
