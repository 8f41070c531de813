package identity

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// identityPrefix is what the API server puts before a token's email, and
// the manager before the email in RoleBindings (--identity-prefix).
const identityPrefix = "tenantry:"

// actExtraKey is where the API server puts the actor of a "log in as"
// token, so that it reaches the audit log.
const actExtraKey = controlplane.ActExtraKey

// issuerSite is one issuer the API server trusts: an address reserved for a
// manager to serve https on, and the URL it is trusted under.
type issuerSite struct {
	addr string
	url  string
}

var (
	cfg *rest.Config
	k8s client.WithWatch
	// tlsFiles is the serving certificate of every issuer, signed by caPEM.
	tlsFiles controlplane.ServingCert
	// primary serves most tests; rotating is for the key rotation test,
	// whose managers rotate keys every few seconds.
	primary, rotating issuerSite
)

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuiteWith(filepath.Join("..", ".."), trustIssuers, func(s *testsupport.Suite) int {
		cfg, k8s = s.Cfg, s.Client
		return m.Run()
	}))
}

// trustIssuers reserves the issuers' addresses and starts the API server
// with an AuthenticationConfiguration that trusts them. The API server
// starts before any manager serves there: its JWT authenticator fetches the
// discovery document in the background until it answers.
func trustIssuers(env *envtest.Environment) error {
	dir, err := os.MkdirTemp("", "tenantry-identity-")
	if err != nil {
		return err
	}
	if tlsFiles, err = controlplane.WriteServingCert(dir); err != nil {
		return err
	}
	for _, site := range []*issuerSite{&primary, &rotating} {
		if site.addr, err = testsupport.ReservedLoopbackAddr(); err != nil {
			return err
		}
		site.url = "https://" + site.addr
	}
	path := filepath.Join(dir, "authentication-config.yaml")
	var issuers []controlplane.JWTIssuer
	for _, site := range []issuerSite{primary, rotating} {
		issuers = append(issuers, controlplane.JWTIssuer{URL: site.url, Audience: "kubernetes", Prefix: identityPrefix, CAPEM: tlsFiles.CAPEM})
	}
	config := controlplane.AuthenticationConfig(issuers...)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	env.ControlPlane.GetAPIServer().Configure().Set("authentication-config", path)
	return nil
}
