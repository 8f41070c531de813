package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/operator"
)

// devFlags are the parsed command line.
type devFlags struct {
	operator operator.Options
	zap      zap.Options
	// explicit names the flags given on the command line, so that derived
	// values (the accept URL, the catcher's port) never override them.
	explicit map[string]bool
}

// parseFlags takes every operator flag, with defaults that suit a laptop.
// It uses its own flag set rather than flag.CommandLine: controller-runtime
// registers --kubeconfig there, which would mislead here, since the dev
// environment makes its own control plane.
func parseFlags(args []string) (devFlags, error) {
	f := devFlags{operator: devOptions(), zap: zap.Options{Development: true}, explicit: map[string]bool{}}
	fs := flag.NewFlagSet("tenantry-dev", flag.ContinueOnError)
	fs.Usage = func() {
		_, _ = fmt.Fprintf(fs.Output(), "Usage: KUBEBUILDER_ASSETS=$(hack/build-controlplane.sh) tenantry-dev [flags]\n"+
			"Runs Tenantry on a local control plane with a mail catcher; `make dev` does all of it.\n\n")
		fs.PrintDefaults()
	}
	f.operator.BindFlags(fs)
	f.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		return f, err
	}
	fs.Visit(func(fl *flag.Flag) { f.explicit[fl.Name] = true })

	// The API server trusts the self-service API as a token issuer at the
	// address it serves on, unless the person turned tokens off
	// (--issuer-url=) or named another; with tokens on it serves https.
	if !f.explicit["issuer-url"] {
		f.operator.Tokens.IssuerURL = httpsURL(f.operator.SelfServiceAddr)
	}
	// The link in the mail follows the self-service address unless the
	// person named another, such as a portal in front of it.
	base := selfServiceBase(f.operator)
	if !f.explicit["accept-url"] {
		f.operator.Invitation.AcceptURL = base + acceptPath
	}
	if !f.explicit["password-reset-url"] {
		f.operator.SignIn.ResetURL = base + resetPath
	}
	if err := f.operator.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

// devOptions are the operator's defaults with what a laptop needs instead:
// loopback addresses only (metrics included, over plain http so that curl
// needs no token), mail to the catcher in clear text.
func devOptions() operator.Options {
	o := operator.DefaultOptions()
	o.MetricsAddr = "127.0.0.1:8080"
	o.MetricsSecure = false
	o.ProbeAddr = "127.0.0.1:8081"
	o.SelfServiceAddr = "127.0.0.1:8082"
	o.SMTP.Host = "127.0.0.1"
	o.SMTP.Port = 2525
	o.SMTP.TLS = string(mail.TLSNone)
	o.SMTP.From = "Tenantry Dev <no-reply@tenantry.local>"
	o.Invitation.AcceptURL = localURL(o.SelfServiceAddr) + acceptPath
	o.SignIn.ResetURL = localURL(o.SelfServiceAddr) + resetPath
	// The control plane installs the webhook configurations with a
	// certificate of its own; see serveWebhooksLocally.
	o.Webhook.Certs = operator.WebhookCertsFiles
	// The signing keys live where a cluster keeps them; the dev
	// environment creates the namespace.
	o.Tokens.SigningKeySecret = devSystemNamespace + "/tenantry-signing-keys"
	// So do the credential Secrets and the key that seals them.
	o.CredentialsNamespace = devSystemNamespace
	return o
}

// devSystemNamespace is the operator's namespace, as config/default names it.
const devSystemNamespace = "tenantry-system"

// selfServiceBase is where a person on this machine reaches the
// self-service API: over https when it issues tokens, as an issuer must be.
func selfServiceBase(o operator.Options) string {
	if o.Tokens.Enabled() {
		return httpsURL(o.SelfServiceAddr)
	}
	return localURL(o.SelfServiceAddr)
}

// httpsURL is localURL over https.
func httpsURL(bindAddr string) string {
	return "https://" + strings.TrimPrefix(localURL(bindAddr), "http://")
}

// Paths of the self-service API the dev environment points links and
// examples at.
const (
	acceptPath   = "/v1/invitations/accept"
	resetPath    = "/v1/password-resets/confirm"
	sessionsPath = "/v1/sessions"
)

// localURL is where a browser on this machine reaches a server bound to
// bindAddr (the self-service API, the metrics); a wildcard bind address is
// reached through loopback.
func localURL(bindAddr string) string {
	host, port, err := net.SplitHostPort(bindAddr)
	if err != nil {
		return "http://" + bindAddr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
