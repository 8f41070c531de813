package main

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
)

// selfServiceAccess is how a terminal on this machine reaches the
// self-service API.
type selfServiceAccess struct {
	// URL is the API's base URL.
	URL string
	// Curl is curl with what it needs to trust the API's certificate.
	Curl string
	// CAFile signs the API's certificate when this run made it: a browser
	// trusts the pages once it is imported (or warns once).
	CAFile string
}

// prepareTokens gives the self-service API a certificate from a CA made for
// this run, so that the API server can trust it as the issuer of cluster
// tokens, and returns the issuer the API server is told to trust (nil when
// tokens are off, or the person brought their own certificate and so their
// own trust).
func prepareTokens(o *operator.Options, explicit map[string]bool, ws workspace) (selfServiceAccess, *controlplane.JWTIssuer, error) {
	access := selfServiceAccess{URL: selfServiceBase(*o), Curl: "curl -s"}
	if !o.Tokens.Enabled() || explicit["selfservice-tls-cert-file"] {
		return access, nil, nil
	}
	if err := os.MkdirAll(ws.tlsDir, 0o700); err != nil {
		return access, nil, fmt.Errorf("create %s: %w", ws.tlsDir, err)
	}
	cert, err := controlplane.WriteServingCert(ws.tlsDir)
	if err != nil {
		return access, nil, fmt.Errorf("make the self-service certificate: %w", err)
	}
	o.SelfServiceTLS = operator.TLSFiles{CertFile: cert.CertFile, KeyFile: cert.KeyFile}
	access.Curl = "curl -s --cacert " + cert.CAFile
	access.CAFile = cert.CAFile
	return access, &controlplane.JWTIssuer{
		URL: o.Tokens.IssuerURL, Audience: o.Tokens.Audience, Prefix: o.Identity.Prefix, CAPEM: cert.CAPEM,
	}, nil
}

// trustIssuer writes the AuthenticationConfiguration for the issuer and
// points the API server at it; the API server fetches the issuer's keys in
// the background once the operator serves them.
func trustIssuer(env *envtest.Environment, ws workspace, issuer *controlplane.JWTIssuer) error {
	if issuer == nil {
		return nil
	}
	if err := os.WriteFile(ws.authenticationConfig, []byte(controlplane.AuthenticationConfig(*issuer)), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", ws.authenticationConfig, err)
	}
	env.ControlPlane.GetAPIServer().Configure().Set("authentication-config", ws.authenticationConfig)
	return nil
}

// createSystemNamespace creates the operator's namespace, where the token
// signing keys are kept, and the grant ceiling, as installing the operator
// does on a cluster.
func createSystemNamespace(ctx context.Context, cfg *rest.Config, root string) error {
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: devSystemNamespace}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", devSystemNamespace, err)
	}
	// The grant ceiling bounds what Roles may grant, on a cluster and here.
	return controlplane.InstallGrantCeiling(ctx, c, root)
}
