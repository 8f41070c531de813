package plugin

import (
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// nobody has no rights at all; the suite's admin may impersonate them.
const nobody = "someone@example.com"

func TestForbiddenNamesTheMissingPermission(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "guarded")
	testsupport.CreateUser(t, k8s, testsupport.NewUser("guarded", "ivy", "ivy@guarded.example"))

	// The tile degrades to a note and does not fail.
	r := run(t, "users", "-n", "guarded", "--as", nobody)
	g.Expect(r.err).NotTo(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`Note: permission denied: this needs "list" on users.iam.tenantry.io in namespace "guarded"`))

	r = run(t, "refill", "ivy", "10", "-n", "guarded", "--currency", "USD", "--as", nobody)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`permission denied: this needs "create" on balancetransactions.iam.tenantry.io in namespace "guarded"`))

	r = run(t, "disable", "ivy", "-n", "guarded", "--as", nobody)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`permission denied: this needs "patch" on users.iam.tenantry.io in namespace "guarded"`))
}

func TestLoginAsPrintsOrRunsKubectlAsTheUser(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "login-as")
	testsupport.CreateUser(t, k8s, testsupport.NewUser("login-as", "jay", "jay@login-as.example"))

	out := mustRun(t, "login-as", "jay", "-n", "login-as")
	g.Expect(strings.TrimSpace(out)).To(gomega.Equal("kubectl --kubeconfig=" + kubeconfigPath + " --as=jay@login-as.example"))
	g.Expect(mustRun(t, "login-as", "jay", "-n", "login-as", "--identity-prefix=tenantry:")).
		To(gomega.ContainSubstring("--as=tenantry:jay@login-as.example"))

	out = mustRun(t, "login-as", "jay", "-n", "login-as", "--kubectl", kubectlPath, "--", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
	g.Expect(out).To(gomega.Equal("jay@login-as.example"))

	r := run(t, "login-as", "jay", "-n", "login-as", "--kubectl", kubectlPath, "--", "get", "users", "-n", "login-as")
	g.Expect(r.err).To(gomega.HaveOccurred(), "jay's invitation is not accepted: he holds no rights yet")
	g.Expect(r.stderr).To(gomega.ContainSubstring(`"jay@login-as.example" cannot list resource "users"`))
}
