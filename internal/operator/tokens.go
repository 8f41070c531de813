package operator

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"

	"github.com/tenantry-io/tenantry/internal/issuer"
)

// clockSkew is how far the API server's clock may be behind the manager's;
// a retired key stays published that much longer than a token lives.
const clockSkew = time.Minute

// maxPublishDelay bounds how long a new key is published before it signs:
// far longer than every replica and the API server need to see it.
const maxPublishDelay = 5 * time.Minute

// keyPolicy derives the key schedule from the flags: a new key is published
// a quarter of a rotation (at most maxPublishDelay) before it signs, and
// an old key stays until every token it signed has expired.
func keyPolicy(t TokenOptions) issuer.Policy {
	return issuer.Policy{
		Rotation:     t.SigningKeyRotation,
		PublishDelay: min(t.SigningKeyRotation/4, maxPublishDelay),
		Retention:    t.TTL + clockSkew,
	}
}

// newIssuer builds the token issuer and registers its key store with the
// manager: every replica reads the keys, serves the JWKS and signs; only
// the leader rotates them, so that two replicas never race to.
func newIssuer(mgr ctrl.Manager, o Options) (*issuer.Issuer, error) {
	namespace, name, _ := strings.Cut(o.Tokens.SigningKeySecret, "/") // validated in New
	store := &issuer.Store{
		Writer: mgr.GetClient(), Reader: mgr.GetAPIReader(),
		Secret: types.NamespacedName{Namespace: namespace, Name: name},
		Policy: keyPolicy(o.Tokens), Clock: o.Clock,
	}
	if err := mgr.Add(everyReplica{"signing keys", store}); err != nil {
		return nil, fmt.Errorf("add signing key store: %w", err)
	}
	if err := mgr.Add(leaderOnly{"signing key rotation", &issuer.Rotator{Store: store}}); err != nil {
		return nil, fmt.Errorf("add signing key rotation: %w", err)
	}
	return &issuer.Issuer{
		URL: strings.TrimSuffix(o.Tokens.IssuerURL, "/"), Audience: o.Tokens.Audience, TTL: o.Tokens.TTL,
		Keys: store, Clock: o.Clock,
	}, nil
}

// selfServiceTLS loads the self-service API's certificate and watches the
// files, so that a renewed certificate (cert-manager rewrites the mounted
// Secret) is served without a restart. nil means plain http.
func selfServiceTLS(mgr ctrl.Manager, files TLSFiles) (*tls.Config, error) {
	if files.CertFile == "" {
		return nil, nil
	}
	watcher, err := certwatcher.New(files.CertFile, files.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("--selfservice-tls-cert-file: %w", err)
	}
	if err := mgr.Add(everyReplica{"self-service certificate", watcher}); err != nil {
		return nil, fmt.Errorf("add self-service certificate watcher: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: watcher.GetCertificate}, nil
}
