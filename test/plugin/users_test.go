package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func TestUsersTileListsUpToThreeUsersWithoutSummary(t *testing.T) {
	createAccount(t, "tile-small")
	for _, name := range []string{"ann", "ben"} {
		testsupport.CreateUser(t, k8s, testsupport.NewUser("tile-small", name, name+"@small.example"))
	}
	out := mustRun(t, "users", "-n", "tile-small")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("want a header and two users, no summary line; got:\n%s", out)
	}
	for _, header := range []string{"ROLE", "PHASE", "2FA", "LAST LOGIN", "BALANCE"} {
		if !strings.Contains(lines[0], header) {
			t.Errorf("header %q lacks %s", lines[0], header)
		}
	}
	if !strings.HasPrefix(lines[1], "ann ") || !strings.Contains(lines[1], "manager") || !strings.Contains(lines[1], "never") {
		t.Errorf("ann's row %q lacks her name, role or last login", lines[1])
	}
}

func TestUsersTileSummarisesPhasesAndShowsServiceColumns(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createAccount(t, "tile-big")
	createServiceClass(t, "tile-bucket", "bucket")
	g.Expect(k8s.Create(ctx, &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tile-big", Name: "basic"},
		Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "tile-bucket", Quantity: 5}}},
	})).To(gomega.Succeed())
	for _, name := range []string{"amy", "bob", "cat", "dan"} {
		user := testsupport.NewUser("tile-big", name, name+"@big.example")
		if name == "amy" {
			user.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: "tile-bucket"}}
		}
		if name == "dan" {
			user.Spec.State = iamv1alpha1.UserStateDisabled
		}
		testsupport.CreateUser(t, k8s, user)
	}
	// The tile reads status: wait until the operator has written it.
	g.Eventually(func(g gomega.Gomega) {
		users := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(ctx, users, client.InNamespace("tile-big"))).To(gomega.Succeed())
		for _, u := range users.Items {
			g.Expect(u.Status.Phase).NotTo(gomega.BeEmpty())
			if u.Name == "amy" {
				g.Expect(u.Status.Services).To(gomega.ContainElement(gomega.HaveField("Phase", iamv1alpha1.ServicePhaseReady)))
			}
		}
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	// The summary and the statistics go to stderr: stdout is the table.
	r := run(t, "users", "-n", "tile-big")
	g.Expect(r.err).NotTo(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.Equal("4 users · 3 Invited · 1 Disabled\n" +
		"4 new in 7 days · 4 new in 30 days · 0 signed in within 30 days\n"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	g.Expect(lines).To(gomega.HaveLen(5), "a header and four users")
	// Other tests' ServiceClasses add columns of their own: read cells by
	// where their header starts.
	header := lines[0]
	g.Expect(strings.Fields(header)[:3]).To(gomega.Equal([]string{"NAME", "ROLE", "PHASE"}))
	g.Expect(header).To(gomega.MatchRegexp(`\bBUCKET\b.*\b2FA\s+LAST LOGIN\s+BALANCE$`))
	g.Expect(strings.Fields(lines[1])[:3]).To(gomega.Equal([]string{"amy", "manager", "Invited"}))
	g.Expect(cell(header, lines[1], "BUCKET")).To(gomega.Equal("1/1"))
	g.Expect(cell(header, lines[1], "BALANCE")).To(gomega.Equal("0.00 USD"))
	g.Expect(strings.Fields(lines[2])[:3]).To(gomega.Equal([]string{"bob", "manager", "Invited"}))
	g.Expect(cell(header, lines[2], "BUCKET")).To(gomega.BeEmpty(), "bob has no bucket: his cell is blank")
	g.Expect(strings.Fields(lines[4])[:3]).To(gomega.Equal([]string{"dan", "manager", "Disabled"}))

	all := mustRun(t, "users", "-A")
	g.Expect(all).To(gomega.MatchRegexp(`(?m)^ACCOUNT\s+NAME\s+ROLE`))
	g.Expect(all).To(gomega.MatchRegexp(`(?m)^tile-big\s+amy\s+manager\s+Invited`))

	list := struct {
		Kind  string
		Items []iamv1alpha1.User
	}{}
	g.Expect(json.Unmarshal([]byte(mustRun(t, "users", "-n", "tile-big", "-o", "json")), &list)).To(gomega.Succeed())
	g.Expect(list.Kind).To(gomega.Equal("List"), "a List, as kubectl get -o json prints")
	g.Expect(list.Items).To(gomega.HaveLen(4))
	g.Expect(list.Items[0].Status.Services).To(gomega.HaveLen(1))
}

// createServiceClass offers a service provisioned as a ConfigMap while the
// user is still invited, so the tests need not accept invitations.
func createServiceClass(t *testing.T, name, column string) {
	t.Helper()
	template, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]string{"owner": "${user.email}"}})
	if err != nil {
		t.Fatal(err)
	}
	class := &iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: iamv1alpha1.ServiceClassSpec{
			DisplayName: name, ColumnName: column, ProvisionWhileInvited: true,
			Template: runtime.RawExtension{Raw: template},
		},
	}
	if err := k8s.Create(context.Background(), class); err != nil {
		t.Fatalf("create ServiceClass %s: %v", name, err)
	}
}

// cell is the text of row under column of the table's header line.
func cell(header, row, column string) string {
	start := strings.Index(header, column)
	if start < 0 || start >= len(row) {
		return ""
	}
	end := len(row)
	if next := strings.IndexFunc(header[start+len(column):], func(r rune) bool { return r != ' ' }); next >= 0 {
		end = min(end, start+len(column)+next)
	}
	return strings.TrimSpace(row[start:end])
}
