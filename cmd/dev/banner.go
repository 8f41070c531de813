package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/tenantry-io/tenantry/internal/operator"
)

// printBanner tells the person where things are and what to try first.
func printBanner(w io.Writer, ws workspace, opts operator.Options, catcher *mailCatcher, access selfServiceAccess) {
	mail := fmt.Sprintf("none: mail goes to %s:%d", opts.SMTP.Host, opts.SMTP.Port)
	if catcher.server != nil {
		mail = fmt.Sprintf("%s (every email, as a .eml file; SMTP on %s)", ws.mailDir, catcher.server.Addr())
	}
	_, _ = fmt.Fprintf(w, `
Tenantry is running on a local control plane: etcd, kube-apiserver and
kube-controller-manager (namespace deletion and garbage collection).

  kubeconfig          %s
  mail folder         %s
  self-service        %s
  metrics             %s
  controller log      %s

In another terminal, try:

  export KUBECONFIG=%s
  export PATH=%s:%s:$PATH
  kubectl get users -A
  kubectl get roles.iam.tenantry.io
  kubectl get tenantry -A
  kubectl describe user alice -n acme
  ls %s

To accept alice's invitation, open the link from the mail in a browser (it
is printed below when the mail arrives), or:

  TOKEN=$(tenantry-dev mail-token alice@acme.example)
  %s
  kubectl wait --for=condition=Ready user/alice -n acme
  kubectl auth can-i create users -n acme --as alice@acme.example

Her mailbox is provisioned once she is Active (bob's storage already is):

  kubectl get users -n acme           # the SERVICES column: mailbox:1, storage:1
  kubectl get subscriptions -n acme   # seats used: mailbox:1/5 storage:1/2
  kubectl get configmap alice-mailbox -n acme -o yaml

Then log in as alice, in a browser at %s%s or with curl:

  SESSION=$(%s | jq -r .token)
  %s %s%s/current -H "Authorization: Bearer $SESSION"

Five wrong passwords lock her (kubectl get users -n acme shows Locked); unlock
her, send her a reset email or reset her two-factor with:

  kubectl annotate user alice -n acme --overwrite iam.tenantry.io/unlock="$(date -u +%%FT%%TZ)"
  kubectl annotate user alice -n acme --overwrite iam.tenantry.io/reset-password="$(date -u +%%FT%%TZ)"
  kubectl annotate user alice -n acme --overwrite iam.tenantry.io/reset-2fa="$(date -u +%%FT%%TZ)"

Every change and action is recorded with who asked; the support team binds
its Active members; bob can be deleted softly and restored:

  kubectl get userchanges -n acme --sort-by=.spec.time
  kubectl get teams -n acme
  kubectl patch user bob -n acme --type=merge -p '{"spec":{"state":"Deleted"}}'
  kubectl patch user bob -n acme --type=merge -p '{"spec":{"state":"Active"}}'

Deleting the account deletes its users, their access and transactions, as
on a cluster; the namespace is gone within seconds:

  kubectl delete namespace acme

Ctrl-C stops everything; .dev/ stays, so the mail can still be read.
`,
		ws.kubeconfig, mail, access.URL, metricsURL(opts.MetricsAddr, opts.MetricsSecure), ws.controllersLog,
		ws.kubeconfig, ws.assets, filepath.Join(ws.root, "bin"), ws.mailDir,
		acceptCurl(access, `'"$TOKEN"'`),
		access.URL, sessionsPath,
		loginCurl(access, "acme", "alice@acme.example"),
		access.Curl, access.URL, sessionsPath)
	if opts.Tokens.Enabled() {
		printTokenBanner(w, ws, access)
	}
	if opts.ConsoleServed() {
		printConsoleBanner(w, access)
	}
}

// printConsoleBanner shows the way into the account console: alice, the
// sample account's Owner, gets in with the link of her invitation.
func printConsoleBanner(w io.Writer, access selfServiceAccess) {
	trust := "the browser trusts its certificate"
	if access.CAFile != "" {
		trust = fmt.Sprintf("its certificate is signed by %s: import that CA\ninto the browser, or accept the warning once", access.CAFile)
	}
	_, _ = fmt.Fprintf(w, `
The account console, for the people of an account, in a browser (%s):

  %s/console/

Its way in is alice's invitation: alice owns the account acme. Open the
link of her invitation (printed below when the mail arrives), choose a
password, and sign in with account acme and alice@acme.example: the
console shows acme's users and acts as alice, with her rights.
`, trust, access.URL)
}

// printTokenBanner shows how to use kubectl as alice with a token from the
// operator's issuer, which the API server trusts.
func printTokenBanner(w io.Writer, ws workspace, access selfServiceAccess) {
	_, _ = fmt.Fprintf(w, `
Use the cluster as alice: the API server trusts the operator's tokens
(%s). With her session from the login above ($SESSION):
  TOKEN=$(%s -X POST %s/v1/tokens -H "Authorization: Bearer $SESSION" | jq -r .token)
  kubectl config set-credentials alice --token="$TOKEN"
  kubectl config set-context alice --user=alice --cluster="$(kubectl config view -o jsonpath='{.clusters[0].name}')"
  kubectl --context alice auth whoami
  kubectl --context alice get users -n acme
The token lasts 10 minutes (--token-ttl); ask for another with the session.
`, ws.authenticationConfig, access.Curl, access.URL)
}

// metricsURL is where a person on this machine reads the metrics, or says
// that they are off (--metrics-bind-address=0). With --metrics-secure it
// wants a token, as on a cluster.
func metricsURL(bindAddr string, secure bool) string {
	if bindAddr == "0" || bindAddr == "" {
		return "off (--metrics-bind-address=0)"
	}
	if secure {
		return httpsURL(bindAddr) + "/metrics (a token: see docs/reference/metrics.md)"
	}
	return localURL(bindAddr) + "/metrics"
}
