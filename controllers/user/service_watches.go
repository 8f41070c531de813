package user

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// serviceWatches starts, on first use, a watch on each kind of service
// object, so a service becoming ready (or going) reaches its user at once.
// The kinds are not known when the manager starts: a ServiceClass may name
// any kind, even one whose CRD is installed later. The watches run on the
// services cache, which holds only objects carrying ServiceClassLabel, so
// watching ConfigMaps for mailboxes does not cache the cluster's ConfigMaps.
type serviceWatches struct {
	cache      cache.Cache
	controller controller.Controller

	mu      sync.Mutex
	watched map[schema.GroupVersionKind]bool
}

func newServiceWatches(c cache.Cache, owner controller.Controller) *serviceWatches {
	return &serviceWatches{cache: c, controller: owner, watched: map[schema.GroupVersionKind]bool{}}
}

// ensure watches gvk unless it is watched already. Callers ensure only kinds
// the API server serves, so the watch does not wait for a kind that is not
// there.
func (w *serviceWatches) ensure(gvk schema.GroupVersionKind) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[gvk] {
		return nil
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	if err := w.controller.Watch(source.Kind[client.Object](w.cache, obj, handler.EnqueueRequestsFromMapFunc(userOfService))); err != nil {
		return err
	}
	w.watched[gvk] = true
	return nil
}

// userOfService maps a service object to its user by its labels, which
// work for cluster-scoped objects too (an owner reference cannot).
func userOfService(_ context.Context, obj client.Object) []ctrl.Request {
	labels := obj.GetLabels()
	user, account := labels[iamv1alpha1.UserLabel], labels[iamv1alpha1.AccountLabel]
	if user == "" || account == "" {
		return nil
	}
	return []ctrl.Request{{NamespacedName: types.NamespacedName{Namespace: account, Name: user}}}
}
