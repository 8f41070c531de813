package services

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Servability says whether the API server serves a class's kind with the
// scope the class names: the one rule the ServiceClass controller reports
// in the class's status and the User controller checks before it
// provisions, so both always say the same.
type Servability struct {
	// Resource is the kind's group resource (configmaps,
	// mailboxes.mail.example.com); empty when the kind is not served.
	Resource string
	// Reason and Message say why services of the kind cannot be
	// provisioned; both are empty when they can.
	Reason, Message string
}

// Servable reports whether services of the kind can be provisioned.
func (s Servability) Servable() bool { return s.Reason == "" }

// CRDState is what the cluster says of the CustomResourceDefinition that
// would serve a kind.
type CRDState int

const (
	// CRDNone: no CRD serves the kind and none was seen to, as for a
	// built-in or an aggregated kind; the mapper's word stands.
	CRDNone CRDState = iota
	// CRDServing: the CRD exists and is not being deleted.
	CRDServing
	// CRDTerminating: the CRD is being deleted. The API server still maps
	// its kind but refuses to create objects of it.
	CRDTerminating
	// CRDGone: the CRD was seen and is gone. The REST mapper keeps the
	// mapping it once loaded, so only this says the kind is not served.
	CRDGone
)

// CRDLookup tells the state of a CRD by its name (plural.group).
type CRDLookup func(ctx context.Context, name string) (CRDState, error)

// CheckServable looks gvk up in the mapper and, for a kind a CRD could
// serve, the state of that CRD: a CRD being deleted or gone means the kind
// is not served, whatever the mapper remembers. A kind that is not served,
// or is served with the other scope, is an answer, not an error: the CRD
// watch brings the class back when that changes. An error is a failed
// lookup, worth a retry. crds may be nil: the mapper alone answers.
func CheckServable(ctx context.Context, mapper meta.RESTMapper, crds CRDLookup, gvk schema.GroupVersionKind, scope iamv1alpha1.ServiceScope) (Servability, error) {
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case meta.IsNoMatchError(err):
		return notServed(gvk, "install its CustomResourceDefinition"), nil
	case err != nil:
		return Servability{}, fmt.Errorf("look up kind %s: %w", gvk, err)
	}
	resource := mapping.Resource.GroupResource().String()
	// A CRD's group has a dot in it; the core group and the built-in
	// groups without one (apps, batch) are never served by a CRD.
	if crds != nil && strings.Contains(gvk.Group, ".") {
		state, err := crds(ctx, resource)
		if err != nil {
			return Servability{}, fmt.Errorf("look up the CustomResourceDefinition %s: %w", resource, err)
		}
		switch state {
		case CRDTerminating:
			return notServed(gvk, fmt.Sprintf("its CustomResourceDefinition %s is being deleted", resource)), nil
		case CRDGone:
			return notServed(gvk, fmt.Sprintf("its CustomResourceDefinition %s was deleted; install it again", resource)), nil
		}
	}
	s := Servability{Resource: resource}
	namespaced := mapping.Scope.Name() == meta.RESTScopeNameNamespace
	if wantNamespaced := scope != iamv1alpha1.ServiceScopeCluster; namespaced != wantNamespaced {
		s.Reason = iamv1alpha1.ReasonScopeMismatch
		s.Message = fmt.Sprintf("%s is %s, but the service class's scope is %s", s.Resource, scopeWord(namespaced), scope)
	}
	return s, nil
}

// notServed is the KindNotFound answer, with what to do about it.
func notServed(gvk schema.GroupVersionKind, why string) Servability {
	return Servability{Reason: iamv1alpha1.ReasonKindNotFound, Message: fmt.Sprintf(
		"the API server does not serve %s %s: %s", gvk.GroupVersion(), gvk.Kind, why)}
}

func scopeWord(namespaced bool) string {
	if namespaced {
		return "namespaced"
	}
	return "cluster-scoped"
}
