package integration

import (
	"context"
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// usersColumn asks the API server for the role as the table `kubectl get
// roles.iam.tenantry.io` prints and returns the Users cell: nil when the
// column would be empty.
func usersColumn(g Gomega, name string) any {
	clientset, err := kubernetes.NewForConfig(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	raw, err := clientset.Discovery().RESTClient().Get().
		AbsPath("/apis", iamv1alpha1.GroupVersion.Group, iamv1alpha1.GroupVersion.Version, "roles", name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(context.Background())
	g.Expect(err).NotTo(HaveOccurred())

	table := &metav1.Table{}
	g.Expect(json.Unmarshal(raw, table)).To(Succeed())
	column := -1
	for i, c := range table.ColumnDefinitions {
		if c.Name == "Users" {
			column = i
		}
	}
	g.Expect(column).NotTo(Equal(-1), "the table has a Users column")
	g.Expect(table.Rows).To(HaveLen(1))
	return table.Rows[0].Cells[column]
}

func TestRoleNobodyHoldsShowsZeroUsers(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	ctx := context.Background()
	role := &iamv1alpha1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "unheld-" + rand.String(6)},
		Spec:       iamv1alpha1.RoleSpec{DisplayName: "Nobody holds this"},
	}
	NewWithT(t).Expect(k8s.Create(ctx, role)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(ctx, role) })

	// The controller has written the status once it says Ready; from then
	// on the column must read 0, not nothing.
	NewWithT(t).Eventually(func(g Gomega) {
		got := &iamv1alpha1.Role{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(role), got)).To(Succeed())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(usersColumn(g, role.Name)).To(BeEquivalentTo(0))
	}).WithTimeout(timeout).Should(Succeed())

	t.Run("the count returns to 0 when the last holder leaves", func(t *testing.T) {
		ns := newNamespace(t)
		user := newUser(ns, "hana", "hana@unheld.example")
		user.Spec.Role = role.Name
		key := createUser(t, user)
		NewWithT(t).Eventually(func(g Gomega) any {
			return usersColumn(g, role.Name)
		}).WithTimeout(timeout).Should(BeEquivalentTo(1))

		NewWithT(t).Expect(k8s.Delete(ctx, &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{
			Namespace: key.Namespace, Name: key.Name}})).To(Succeed())
		NewWithT(t).Eventually(func(g Gomega) any {
			return usersColumn(g, role.Name)
		}).WithTimeout(timeout).Should(BeEquivalentTo(0))
	})
}

// A soft-deleted user is out of its role's count until it is restored.
func TestSoftDeletedUsersLeaveTheRoleCount(t *testing.T) {
	_, ns := startAccount(t)
	ctx := context.Background()
	role := &iamv1alpha1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "counted-" + rand.String(6)},
		Spec:       iamv1alpha1.RoleSpec{DisplayName: "Counted"},
	}
	g := NewWithT(t)
	g.Expect(k8s.Create(ctx, role)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(ctx, role) })
	user := newUser(ns, "hank", "hank@count.example")
	user.Spec.Role = role.Name
	key := createUser(t, user)
	count := func(g Gomega) int32 {
		got := &iamv1alpha1.Role{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(role), got)).To(Succeed())
		return got.Status.Users
	}
	g.Eventually(count).WithTimeout(timeout).Should(BeEquivalentTo(1))
	setState(t, key, iamv1alpha1.UserStateDeleted)
	g.Eventually(count).WithTimeout(timeout).Should(BeEquivalentTo(0))
	setState(t, key, iamv1alpha1.UserStateActive)
	g.Eventually(count).WithTimeout(timeout).Should(BeEquivalentTo(1))
}
