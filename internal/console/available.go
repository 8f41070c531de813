package console

import (
	"context"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// trustTTL is how long the answer of the trust probe is kept: long enough
// that pages do not each ask, short enough that a fixed API server
// configuration shows within seconds.
const trustTTL = 10 * time.Second

// trustProbeTimeout bounds one probe, so that a page does not wait long on
// an API server that does not answer.
const trustProbeTimeout = 5 * time.Second

// trustCache keeps the last answer of the trust probe.
type trustCache struct {
	mu      sync.Mutex
	checked time.Time
	ok      bool
	why     string
}

// Available says whether the console can work: whether the API server
// trusts Tenantry's issuer, which a SelfSubjectReview with a probe token of
// the issuer tells. When it cannot, why says so in a sentence for the
// person at the sign-in page. The answer is kept for a few seconds.
func (c *Console) Available(ctx context.Context) (ok bool, why string) {
	if c.broken != nil {
		return false, c.broken.Error()
	}
	c.trust.mu.Lock()
	defer c.trust.mu.Unlock()
	now := c.clock.Now()
	if !c.trust.checked.IsZero() && now.Sub(c.trust.checked) < trustTTL {
		return c.trust.ok, c.trust.why
	}
	// The answer serves every page for a while: a visitor who leaves
	// must not cut the probe short and turn the console off for others.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), trustProbeTimeout)
	defer cancel()
	c.trust.ok, c.trust.why = c.probeTrust(ctx)
	c.trust.checked = now
	return c.trust.ok, c.trust.why
}

// probeTrust asks the API server who the probe token is. A 401 means the
// API server does not trust the issuer; any answer naming a user means it
// does.
func (c *Console) probeTrust(ctx context.Context) (bool, string) {
	token, err := c.sessions.TrustProbeToken(ctx)
	if err != nil {
		c.log.Error(err, "Mint the console's trust probe token")
		return false, "The account console is off: Tenantry cannot issue cluster tokens (is --issuer-url set?)."
	}
	k, err := c.clientFor(token)
	if err != nil {
		return false, "The account console is off: " + err.Error()
	}
	review := &authenticationv1.SelfSubjectReview{}
	err = k.Create(ctx, review)
	switch {
	case err == nil:
		return true, ""
	case apierrors.IsForbidden(err):
		// Refused, but authenticated: the issuer is trusted.
		return true, ""
	case apierrors.IsUnauthorized(err):
		return false, "The account console is off: the cluster's API server does not trust Tenantry's token issuer, so the console cannot act as you. An administrator must add the issuer to the API server's authentication configuration."
	default:
		c.log.Error(err, "Probe whether the API server trusts the issuer")
		return false, "The account console is off for now: the cluster's API server did not answer (" + err.Error() + ")."
	}
}
