package user

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/services"
)

// An orphan is an object carrying a user's ownership labels that no entry
// of that user's status.services names: a pass applied it and its status
// write never landed (the manager was stopped between the two, or the user
// changed meanwhile), and meanwhile the assignment went away (or the user
// did); or someone made it by hand. Nothing else would ever remove it, and
// it holds a seat that no claim does (services.SeatObjects keeps the seat
// until it is gone), so it is removed:
//
//   - by every pass of a user, after reconcileServices has decided the
//     status this pass writes (sweepOrphanedServices);
//   - by the deletion of a user, which waits for it like for its services
//     (removeAllServices);
//   - by the pass of a user that does not exist, which the services cache
//     starts for each labelled object it sees, on start and on every change
//     (sweepServicesOfMissingUser).
//
// Only kinds whose watch has synced are swept: a kind that syncs later
// delivers every labelled object to its user then, and the sweep runs
// again.

// orphanRetry is how soon a user being deleted looks again at orphans it
// asked the API server to delete; their deletion reaches it through the
// watch too.
const orphanRetry = 5 * time.Second

// sweepOrphanedServices removes the user's labelled objects that the
// status this pass writes does not name. It runs after reconcileServices,
// and only when it succeeded: the status in hand then names every object of
// the user's spec and every object still being removed. The ordering
// matters: an object applied in this very pass is named by the status in
// hand, and so by the one the pass writes; an object the cache does not
// show yet is simply not swept yet. Objects applied by a pass whose status
// write never landed (or made by hand) that no assignment renders any more
// are the orphans.
func (r *Reconciler) sweepOrphanedServices(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	objs, err := r.labelledServices(ctx, user.Namespace, user.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	for _, obj := range orphans(objs, user.Status.Services) {
		deleted, err := r.deleteOrphan(ctx, obj)
		if err != nil {
			return ctrl.Result{}, err
		}
		if deleted {
			r.event(user, corev1.EventTypeNormal, "OrphanRemoved", "Remove",
				fmt.Sprintf("deleting %s %s: labelled as %s's but named by none of its services", obj.GetKind(), objectName(obj), user.Name))
		}
	}
	return ctrl.Result{}, nil
}

// removeOrphans deletes the orphans of a user being deleted and says
// whether they are all gone. named is what removeAllServices removes
// itself.
func (r *Reconciler) removeOrphans(ctx context.Context, user *iamv1alpha1.User, named []iamv1alpha1.ServiceStatus) (bool, error) {
	objs, err := r.labelledServices(ctx, user.Namespace, user.Name)
	if err != nil {
		return false, err
	}
	left := orphans(objs, named)
	for _, obj := range left {
		if _, err := r.deleteOrphan(ctx, obj); err != nil {
			return false, err
		}
	}
	return len(left) == 0, nil
}

// sweepIfMissing handles the failed read of a pass's user: a user that
// does not exist has its labelled objects swept; any other error is
// returned.
func (r *Reconciler) sweepIfMissing(ctx context.Context, key types.NamespacedName, err error) error {
	if !apierrors.IsNotFound(err) {
		return err
	}
	return r.sweepServicesOfMissingUser(ctx, key)
}

// sweepServicesOfMissingUser deletes the objects labelled for a user that
// does not exist. The services cache enqueues a labelled object's user
// whatever happens to it, so a pass for a missing user is where such an
// object is found.
func (r *Reconciler) sweepServicesOfMissingUser(ctx context.Context, key types.NamespacedName) error {
	objs, err := r.labelledServices(ctx, key.Namespace, key.Name)
	if err != nil || len(objs) == 0 {
		return err
	}
	// The cache may not have seen a user just created: ask the API server
	// before deleting what may be its objects.
	err = r.APIReader.Get(ctx, key, &iamv1alpha1.User{})
	switch {
	case err == nil:
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("read user %s: %w", key, err)
	}
	log := ctrl.LoggerFrom(ctx)
	for i := range objs {
		deleted, err := r.deleteOrphan(ctx, &objs[i])
		if err != nil {
			return err
		}
		if deleted {
			log.Info("deleting a service object whose user does not exist", "kind", objs[i].GetKind(), "object", objectName(&objs[i]))
		}
	}
	return nil
}

// orphans are the objects that no entry of list names and that are not
// already being deleted. Objects are matched by group, kind, namespace and
// name: the version they are read in does not matter.
func orphans(objs []unstructured.Unstructured, list []iamv1alpha1.ServiceStatus) []*unstructured.Unstructured {
	named := map[string]bool{}
	for _, st := range list {
		if st.Object == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(st.Object.APIVersion)
		if err != nil {
			continue
		}
		named[objectKey(gv.Group, st.Object.Kind, st.Object.Namespace, st.Object.Name)] = true
	}
	var out []*unstructured.Unstructured
	for i := range objs {
		obj := &objs[i]
		gvk := obj.GroupVersionKind()
		if !obj.GetDeletionTimestamp().IsZero() || named[objectKey(gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())] {
			continue
		}
		out = append(out, obj)
	}
	return out
}

func objectKey(group, kind, namespace, name string) string {
	return group + "/" + kind + "/" + namespace + "/" + name
}

func objectName(obj client.Object) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}

// deleteOrphan deletes the object it was shown, not one that took its name
// since, and says whether this call started its deletion.
func (r *Reconciler) deleteOrphan(ctx context.Context, obj *unstructured.Unstructured) (bool, error) {
	uid := obj.GetUID()
	err := r.Delete(ctx, obj, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return false, nil // gone already, or another object now
	default:
		return false, fmt.Errorf("delete %s %s: %w", obj.GetKind(), objectName(obj), err)
	}
}

// labelledServices lists the objects labelled for one user, in every kind
// the services cache has synced, by the cache's serviceOwnerField index:
// the cost of a pass does not grow with the account's other users.
func (r *Reconciler) labelledServices(ctx context.Context, namespace, name string) ([]unstructured.Unstructured, error) {
	if r.watches == nil {
		return nil, nil
	}
	kinds, err := r.sweptKinds(ctx)
	if err != nil {
		return nil, err
	}
	var objs []unstructured.Unstructured
	for _, gvk := range kinds {
		opts := []client.ListOption{client.MatchingFields{serviceOwnerField: serviceOwner(namespace, name)}}
		if mapping, err := r.Services.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			continue // no longer served: nothing of it can be listed, or deleted
		} else if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			// A namespaced service lives in its account's namespace, and the
			// index is keyed by namespace too.
			opts = append(opts, client.InNamespace(namespace))
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := r.Services.Cache.List(ctx, list, opts...); err != nil {
			return nil, fmt.Errorf("list %s objects of user %s/%s: %w", gvk.Kind, namespace, name, err)
		}
		objs = append(objs, list.Items...)
	}
	return objs, nil
}

// sweptKinds watches the kinds of the ServiceClasses whose kind is served
// (so an orphan of a kind no assignment uses any more is found, on start
// too), and returns every watched kind whose watch has synced.
func (r *Reconciler) sweptKinds(ctx context.Context) ([]schema.GroupVersionKind, error) {
	classes := &iamv1alpha1.ServiceClassList{}
	if err := r.List(ctx, classes); err != nil {
		return nil, fmt.Errorf("list service classes: %w", err)
	}
	for i := range classes.Items {
		class := &classes.Items[i]
		// The class's Ready says its kind is served with its scope: a watch
		// on a kind that is not served would never sync.
		if !conditions.IsTrue(class, iamv1alpha1.ReadyCondition) {
			continue
		}
		gvk, ok := services.TemplateKind(class)
		if !ok {
			continue
		}
		if err := r.watches.ensure(gvk); err != nil {
			return nil, fmt.Errorf("watch %s: %w", gvk, err)
		}
	}
	return r.watches.synced(ctx), nil
}

// synced returns the watched kinds whose informer has synced, without
// waiting for the others.
func (w *serviceWatches) synced(ctx context.Context) []schema.GroupVersionKind {
	w.mu.Lock()
	kinds := make([]schema.GroupVersionKind, 0, len(w.watched))
	for gvk := range w.watched {
		kinds = append(kinds, gvk)
	}
	w.mu.Unlock()
	slices.SortFunc(kinds, func(a, b schema.GroupVersionKind) int {
		return strings.Compare(a.String(), b.String())
	})
	out := kinds[:0]
	for _, gvk := range kinds {
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(gvk)
		// A kind whose informer cannot be had (its CRD just went) has
		// nothing to sweep: its objects go with the CRD.
		informer, err := w.cache.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err == nil && informer.HasSynced() {
			out = append(out, gvk)
		}
	}
	return out
}
