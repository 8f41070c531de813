package console

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// root is the repository's root, relative to this package.
var root = filepath.Join("..", "..")

// identityPrefix is what the API server puts before a token's email, and
// the manager before the email in RoleBindings (--identity-prefix).
const identityPrefix = "tenantry:"

var (
	cfg *rest.Config
	k8s client.WithWatch
	// tlsFiles is the issuer's serving certificate, signed by its CAPEM.
	tlsFiles controlplane.ServingCert
	// issuerAddr is reserved for the manager of the running test to serve
	// https on; the API server trusts tokens issued as issuerURL.
	issuerAddr, issuerURL string
	// browser is the one Chromium of the package; each person of a test
	// gets a browser context of their own in it.
	browser *chromium
)

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuiteWith(root, trustIssuer, func(s *testsupport.Suite) int {
		cfg, k8s = s.Cfg, s.Client
		var err error
		if browser, err = startChromium(tlsFiles.CertFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer browser.stop()
		return m.Run()
	}))
}

// trustIssuer reserves the issuer's address, makes its serving
// certificate, and starts the API server with an AuthenticationConfiguration
// that trusts it. The API server starts before any manager serves there: its
// JWT authenticator fetches the discovery document in the background until
// it answers.
func trustIssuer(env *envtest.Environment) error {
	dir, err := os.MkdirTemp("", "tenantry-console-")
	if err != nil {
		return err
	}
	if tlsFiles, err = controlplane.WriteServingCert(dir); err != nil {
		return err
	}
	if issuerAddr, err = testsupport.ReservedLoopbackAddr(); err != nil {
		return err
	}
	issuerURL = "https://" + issuerAddr
	path := filepath.Join(dir, "authentication-config.yaml")
	config := controlplane.AuthenticationConfig(controlplane.JWTIssuer{
		URL: issuerURL, Audience: "kubernetes", Prefix: identityPrefix, CAPEM: tlsFiles.CAPEM,
	})
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	env.ControlPlane.GetAPIServer().Configure().Set("authentication-config", path)
	return nil
}
