package services

import (
	"context"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CRDs answers CheckServable's question about a kind's CRD from the
// metadata of CRDs in the manager's cache, which the ServiceClass
// controller watches: reading it sends no request. It remembers which CRDs
// it saw, so a CRD that was there and is gone is told apart from a kind no
// CRD serves (a built-in or aggregated one), for which the REST mapper's
// word stands. The mapper never forgets a kind it loaded, so without this a
// deleted CRD's kind would stay "served" until the manager restarts.
type CRDs struct {
	// Reader reads CRDs' metadata, normally the manager's cached client.
	Reader client.Reader

	mu   sync.Mutex
	seen map[string]bool
}

// State is a CRDLookup.
func (c *CRDs) State(ctx context.Context, name string) (CRDState, error) {
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	err := c.Reader.Get(ctx, client.ObjectKey{Name: name}, crd)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case apierrors.IsNotFound(err):
		if c.seen[name] {
			return CRDGone, nil
		}
		return CRDNone, nil
	case err != nil:
		return CRDNone, err
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[name] = true
	if !crd.GetDeletionTimestamp().IsZero() {
		return CRDTerminating, nil
	}
	return CRDServing, nil
}
