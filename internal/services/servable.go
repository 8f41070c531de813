package services

import (
	"fmt"

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

// CheckServable looks gvk up in the mapper. A kind that is not served, or
// is served with the other scope, is an answer, not an error: the CRD watch
// brings the class back when that changes. An error is a failed lookup,
// worth a retry.
func CheckServable(mapper meta.RESTMapper, gvk schema.GroupVersionKind, scope iamv1alpha1.ServiceScope) (Servability, error) {
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case meta.IsNoMatchError(err):
		return Servability{Reason: iamv1alpha1.ReasonKindNotFound, Message: fmt.Sprintf(
			"the API server does not serve %s %s: install its CustomResourceDefinition", gvk.GroupVersion(), gvk.Kind)}, nil
	case err != nil:
		return Servability{}, fmt.Errorf("look up kind %s: %w", gvk, err)
	}
	s := Servability{Resource: mapping.Resource.GroupResource().String()}
	namespaced := mapping.Scope.Name() == meta.RESTScopeNameNamespace
	if wantNamespaced := scope != iamv1alpha1.ServiceScopeCluster; namespaced != wantNamespaced {
		s.Reason = iamv1alpha1.ReasonScopeMismatch
		s.Message = fmt.Sprintf("%s is %s, but the service class's scope is %s", s.Resource, scopeWord(namespaced), scope)
	}
	return s, nil
}

func scopeWord(namespaced bool) string {
	if namespaced {
		return "namespaced"
	}
	return "cluster-scoped"
}
