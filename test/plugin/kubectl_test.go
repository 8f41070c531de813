package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The tests below run the plugin as a person or a script does: the real
// kubectl finds kubectl-tenantry on PATH and runs it, and completes
// `kubectl tenantry ...` through the helper kubectl_complete-tenantry.

// pluginDir is a directory for PATH holding the built plugin and, with
// helper, the completion helper kubectl looks for: links to the one binary.
func pluginDir(t *testing.T, helper bool) string {
	t.Helper()
	dir := t.TempDir()
	links := []string{"kubectl-tenantry"}
	if helper {
		links = append(links, "kubectl_complete-tenantry")
	}
	for _, name := range links {
		if err := os.Symlink(pluginPath, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// kubectl runs the real kubectl with dir first on PATH and the suite's
// kubeconfig in $KUBECONFIG: kubectl hands its flags before a plugin's
// name to no plugin, so a plugin reads the kubeconfig from there.
func kubectl(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kubectlPath, args...)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kubeconfigPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("kubectl %s\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), shortened(stdout.String()), stderr.String())
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// shortened is out, or its start when it is long (a completion script).
func shortened(out string) string {
	const logged = 2000
	if len(out) <= logged {
		return out
	}
	return out[:logged] + "\n…\n"
}

// kubectlOK is kubectl for a command that must succeed.
func kubectlOK(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := kubectl(t, dir, args...)
	if r.err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// lines are the lines of out, without the last newline.
func lines(out string) []string {
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// createListedAccount creates an account of four users, one more than
// the tile lists without its summary, and waits for their phases. Their
// emails sort the other way round from their names.
func createListedAccount(t *testing.T, account string) {
	t.Helper()
	createAccount(t, account)
	for name, email := range map[string]string{"ann": "zed@", "bob": "yul@", "cy": "xia@", "dee": "wen@"} {
		testsupport.CreateUser(t, k8s, testsupport.NewUser(account, name, email+account+".example"))
	}
	gomega.NewWithT(t).Eventually(func(g gomega.Gomega) {
		users := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(context.Background(), users, client.InNamespace(account))).To(gomega.Succeed())
		g.Expect(users.Items).To(gomega.HaveLen(4))
		for _, u := range users.Items {
			g.Expect(u.Status.Phase).NotTo(gomega.BeEmpty())
		}
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
}

func TestKubectlRunsUsersForScripts(t *testing.T) {
	g := gomega.NewWithT(t)
	createListedAccount(t, "kubectl-users")
	dir := pluginDir(t, false)

	// A person sees the summary; a script reading stdout sees the header
	// first, then a user a line.
	r := kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users")
	g.Expect(lines(r.stdout)).To(gomega.HaveLen(5))
	g.Expect(strings.Fields(lines(r.stdout)[0])[:3]).To(gomega.Equal([]string{"NAME", "ROLE", "PHASE"}))
	g.Expect(r.stdout).NotTo(gomega.ContainSubstring("4 users"))
	g.Expect(r.stderr).To(gomega.HavePrefix("4 users · 4 Invited\n4 new in 7 days"))

	r = kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "--no-headers")
	g.Expect(lines(r.stdout)).To(gomega.HaveLen(4))
	g.Expect(strings.Fields(lines(r.stdout)[0])[:3]).To(gomega.Equal([]string{"ann", "manager", "Invited"}))

	r = kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "--sort-by=.spec.email", "-o", "name")
	g.Expect(r.stdout).To(gomega.Equal("user.iam.tenantry.io/dee\nuser.iam.tenantry.io/cy\n" +
		"user.iam.tenantry.io/bob\nuser.iam.tenantry.io/ann\n"))
	g.Expect(r.stderr).To(gomega.BeEmpty(), "the summary is for the table")

	r = kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "--sort-by", "{.spec.email}", "--no-headers",
		"-o", "custom-columns=NAME:.metadata.name,EMAIL:.spec.email,LOGIN:.status.lastLoginTime")
	g.Expect(lines(r.stdout)).To(gomega.HaveLen(4))
	g.Expect(strings.Fields(lines(r.stdout)[0])).To(gomega.Equal([]string{"dee", "wen@kubectl-users.example", "<none>"}))

	r = kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "-o", "json")
	g.Expect(r.stderr).To(gomega.BeEmpty())
	var list struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Items      []iamv1alpha1.User
	}
	g.Expect(json.Unmarshal([]byte(r.stdout), &list)).To(gomega.Succeed())
	g.Expect(list.APIVersion + " " + list.Kind).To(gomega.Equal("v1 List"))
	g.Expect(list.Items).To(gomega.HaveLen(4))
	g.Expect(list.Items[0].APIVersion + " " + list.Items[0].Kind).To(gomega.Equal("iam.tenantry.io/v1alpha1 User"))
	g.Expect(list.Items[0].Status.Phase).To(gomega.Equal(iamv1alpha1.UserPhaseInvited), "the whole object, status too")

	g.Expect(kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "-o", "jsonpath={.items[*].metadata.name}").stdout).
		To(gomega.Equal("ann bob cy dee"))
	g.Expect(kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "-o", "yaml").stdout).
		To(gomega.HavePrefix("apiVersion: v1\nitems:\n- apiVersion: iam.tenantry.io/v1alpha1\n  kind: User\n"))
	g.Expect(lines(kubectlOK(t, dir, "tenantry", "users", "-n", "kubectl-users", "-o", "wide").stdout)[0]).
		To(gomega.MatchRegexp(`BALANCE\s+EMAIL\s+AGE$`))

	r = kubectl(t, dir, "tenantry", "users", "-n", "kubectl-users", "--sort-by=.spec.emial")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`couldn't find any field with path "{.spec.emial}"`))
	r = kubectl(t, dir, "tenantry", "users", "-n", "kubectl-users", "-o", "yml")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring(`unable to match a printer suitable for the output format "yml"`))
	g.Expect(r.stdout).To(gomega.BeEmpty())
}

func TestKubectlRunsStatsAndHistoryForScripts(t *testing.T) {
	g := gomega.NewWithT(t)
	createListedAccount(t, "kubectl-records")
	dir := pluginDir(t, false)

	var stats struct {
		Items []map[string]any `json:"items"`
		Total map[string]any   `json:"total"`
	}
	r := kubectlOK(t, dir, "tenantry", "stats", "-n", "kubectl-records", "-o", "json")
	g.Expect(json.Unmarshal([]byte(r.stdout), &stats)).To(gomega.Succeed())
	g.Expect(stats.Items).To(gomega.ConsistOf(gomega.And(
		gomega.HaveKeyWithValue("account", "kubectl-records"), gomega.HaveKeyWithValue("users", 4.0),
		gomega.HaveKeyWithValue("invited", 4.0), gomega.HaveKeyWithValue("newIn7Days", 4.0))))
	g.Expect(stats.Total).To(gomega.BeNil(), "one account has no total")
	g.Expect(kubectlOK(t, dir, "tenantry", "stats", "-n", "kubectl-records", "--no-headers").stdout).
		To(gomega.MatchRegexp(`^kubectl-records\s+4\s+0\s+4\s`))
	r = kubectl(t, dir, "tenantry", "stats", "-n", "kubectl-records", "-o", "name")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("stats prints counts"))

	// The history's lines are the user's change records: -o name names
	// them, and kubectl reads them back by those names.
	// them, and kubectl reads them back by those names. The operator files
	// a record once the write is stored: wait for ann's.
	var names []string
	g.Eventually(func(g gomega.Gomega) {
		r := kubectl(t, dir, "tenantry", "history", "ann", "-n", "kubectl-records", "-o", "name")
		g.Expect(r.err).NotTo(gomega.HaveOccurred())
		names = lines(r.stdout)
		g.Expect(names[0]).To(gomega.HavePrefix("userchange.iam.tenantry.io/ann-"))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	g.Expect(kubectlOK(t, dir, append([]string{"get", "-n", "kubectl-records", "-o", "jsonpath={.spec.action}"}, names[0])...).stdout).
		To(gomega.Equal("Created"))
	r = kubectlOK(t, dir, "tenantry", "history", "ann", "-n", "kubectl-records", "--no-headers", "-o", "wide")
	g.Expect(r.stdout).To(gomega.MatchRegexp(`(?m)^\S+ \S+\s+Created\s.*\s` + names[0] + `$`))
}

func TestKubectlRunsVersion(t *testing.T) {
	g := gomega.NewWithT(t)
	dir := pluginDir(t, false)
	r := kubectlOK(t, dir, "tenantry", "version")
	g.Expect(r.stdout).To(gomega.Equal("Plugin Version: " + stampedVersion + " (" + stampedRevision + ") " + runtime.Version() + "\n"))
	g.Expect(r.stderr).To(gomega.BeEmpty())

	var v struct {
		PluginVersion struct{ Version, Revision, GoVersion string } `json:"pluginVersion"`
	}
	g.Expect(json.Unmarshal([]byte(kubectlOK(t, dir, "tenantry", "version", "-o", "json").stdout), &v)).To(gomega.Succeed())
	g.Expect(v.PluginVersion.Version).To(gomega.Equal(stampedVersion))
	g.Expect(v.PluginVersion.Revision).To(gomega.Equal(stampedRevision))
	g.Expect(v.PluginVersion.GoVersion).To(gomega.Equal(runtime.Version()))
	g.Expect(kubectlOK(t, dir, "tenantry", "version", "-o", "yaml").stdout).
		To(gomega.ContainSubstring("pluginVersion:\n  goVersion: " + runtime.Version()))
}

func TestKubectlCompletesThePlugin(t *testing.T) {
	g := gomega.NewWithT(t)
	createListedAccount(t, "kubectl-complete")
	withHelper, withoutHelper := pluginDir(t, true), pluginDir(t, false)

	r := kubectlOK(t, withoutHelper, "tenantry", "completion", "bash")
	g.Expect(r.stdout).To(gomega.HavePrefix("# bash completion V2 for kubectl-tenantry"))
	g.Expect(r.stdout).To(gomega.ContainSubstring("__start_kubectl-tenantry kubectl-tenantry"))
	g.Expect(r.stderr).To(gomega.BeEmpty())
	for _, shell := range []string{"zsh", "fish", "powershell"} {
		g.Expect(kubectlOK(t, withoutHelper, "tenantry", "completion", shell).stdout).To(gomega.ContainSubstring("kubectl-tenantry"))
	}

	// kubectl completes the plugin's words only through the helper.
	complete := func(dir string, words ...string) []string {
		return lines(kubectlOK(t, dir, append([]string{"__complete", "tenantry"}, words...)...).stdout)
	}
	g.Expect(complete(withoutHelper, "us")).NotTo(gomega.ContainElement(gomega.HavePrefix("users")))
	g.Expect(complete(withHelper, "us")).To(gomega.ContainElement(gomega.HavePrefix("users\t")))
	g.Expect(complete(withHelper, "users", "--sort")).To(gomega.ContainElement(gomega.HavePrefix("--sort-by")))
	g.Expect(complete(withHelper, "completion", "")).To(gomega.ContainElements("bash", "zsh", "fish", "powershell"))
	g.Expect(complete(withHelper, "history", "-n", "kubectl-complete", "")).
		To(gomega.Equal([]string{"ann", "bob", "cy", "dee", ":4"}), "the account's users, and no file names")
}
