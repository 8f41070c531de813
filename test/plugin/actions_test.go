package plugin

import (
	"testing"

	"github.com/onsi/gomega"
)

// Each action is run with --wait, and what it prints is the operator's
// answer read from status.
func TestUserActionsWaitForTheOperator(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "actions")

	out := mustRun(t, "invite", "erin", "-n", "actions", "--email", "erin@actions.example",
		"--full-name", "Erin Example", "--role", "manager", "--wait")
	g.Expect(out).To(gomega.ContainSubstring("user/erin created in actions"))
	g.Expect(out).To(gomega.MatchRegexp(`user/erin: invitation #1 sent to erin@actions.example, valid until .+ \(phase Invited\)`))

	g.Expect(mustRun(t, "resend", "erin", "-n", "actions", "--wait")).
		To(gomega.MatchRegexp(`user/erin: invitation #2 sent to erin@actions.example`))
	g.Expect(mustRun(t, "unlock", "erin", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: unlocked; failed logins before now no longer count (phase Invited)"))
	g.Expect(mustRun(t, "reset-password", "erin", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: no email sent: the user is disabled or has not accepted the invitation"))
	g.Expect(mustRun(t, "reset-2fa", "erin", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: two-factor removed"))
	g.Expect(mustRun(t, "disable", "erin", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: role manager, phase Disabled"))
	g.Expect(mustRun(t, "enable", "erin", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: role manager, phase Invited"))
	g.Expect(mustRun(t, "set-role", "erin", "owner", "-n", "actions", "--wait")).
		To(gomega.ContainSubstring("user/erin: role owner, phase Invited"))

	r := run(t, "set-role", "erin", "no-such-role", "-n", "actions")
	g.Expect(r.err).To(gomega.HaveOccurred(), "admission refuses a role that does not exist")
	g.Expect(r.stderr).To(gomega.ContainSubstring("no-such-role"))

	r = run(t, "invite", "frank", "-n", "actions", "--email", "frank@actions.example")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("--email and --full-name are required"))
}
