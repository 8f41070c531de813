package plugin

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// A soft delete through the plugin takes the user out of the tile and the
// counts, restore brings it back, and history tells it all with who did it.
func TestSoftDeleteRestoreStatsAndHistory(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createAccount(t, "records")
	for _, name := range []string{"ivy", "jon"} {
		testsupport.CreateUser(t, k8s, testsupport.NewUser("records", name, name+"@records.example"))
	}
	g.Eventually(func(g gomega.Gomega) {
		users := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(ctx, users, client.InNamespace("records"))).To(gomega.Succeed())
		for _, u := range users.Items {
			g.Expect(u.Status.Phase).NotTo(gomega.BeEmpty())
		}
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	g.Expect(mustRun(t, "delete", "jon", "-n", "records", "--soft", "--wait")).
		To(gomega.MatchRegexp(`user/jon: no access; restorable with .kubectl tenantry restore jon. until \d{4}-\d\d-\d\d`))
	r := run(t, "users", "-n", "records")
	g.Expect(r.err).NotTo(gomega.HaveOccurred())
	g.Expect(r.stdout).NotTo(gomega.ContainSubstring("jon"), "a soft-deleted user is out of the tile")
	g.Expect(r.stderr).To(gomega.ContainSubstring("1 soft-deleted user is not listed; --deleted lists it"))
	g.Expect(mustRun(t, "users", "-n", "records", "--deleted")).To(gomega.MatchRegexp(`(?m)^jon\s+jon@records.example\s+manager\s+0.00 USD\s+\d{4}-`))
	g.Expect(strings.Fields(strings.Split(mustRun(t, "stats", "-n", "records"), "\n")[1])).
		To(gomega.Equal([]string{"records", "1", "0", "1", "0", "0", "1", "1", "1", "0"}))

	g.Expect(mustRun(t, "restore", "jon", "-n", "records", "--wait")).To(gomega.ContainSubstring("user/jon: role manager, phase Invited"))
	g.Expect(mustRun(t, "users", "-n", "records")).To(gomega.ContainSubstring("jon"))

	history := mustRun(t, "history", "jon", "-n", "records")
	g.Expect(history).To(gomega.MatchRegexp(`(?s)Restored\s+plugin-admin\s+spec.state: Deleted → Active.*SoftDeleted\s+plugin-admin\s+spec.state: Active → Deleted.*Created`))

	// kubectl itself lists the records, and leaves the soft-deleted out with
	// a field selector.
	g.Expect(mustRun(t, "delete", "jon", "-n", "records", "--soft")).To(gomega.ContainSubstring("deleted softly"))
	kubectl := func(args ...string) string {
		out, err := exec.Command(kubectlPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...).CombinedOutput()
		g.Expect(err).NotTo(gomega.HaveOccurred(), "kubectl %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	g.Eventually(func() string {
		return kubectl("get", "users", "-n", "records", "--field-selector", "spec.state!=Deleted", "-o", "name")
	}).WithTimeout(testsupport.Timeout).Should(gomega.Equal("user.iam.tenantry.io/ivy"))
	g.Expect(kubectl("get", "userchanges", "-n", "records", "-l", iamv1alpha1.UserLabel+"=jon")).
		To(gomega.MatchRegexp(`(?m)^jon-\S+\s+jon\s+SoftDeleted\s+plugin-admin\s+spec.state: Active → Deleted`))
}
