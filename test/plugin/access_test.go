package plugin

import (
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
