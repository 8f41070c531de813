package user

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// removeService deletes a service's object and reports it Removing until
// it is gone; then it returns nil, and the entry leaves status.services.
// Whatever is already gone counts as removed — the object, its kind (a CRD
// uninstalled) — so removal never hangs on it. An object that takes longer
// than the removal timeout is reported, with what holds it and how to
// release it, and waited for still.
func (r *Reconciler) removeService(ctx context.Context, s *userScope, st iamv1alpha1.ServiceStatus) (*iamv1alpha1.ServiceStatus, ctrl.Result, error) {
	user := s.user
	if st.Object == nil {
		return nil, ctrl.Result{}, nil // nothing was provisioned
	}
	ref := *st.Object
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, ctrl.Result{}, nil // not a kind anything could have made
	}
	gvk := gv.WithKind(ref.Kind)
	mapping, err := r.Services.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		r.event(user, corev1.EventTypeNormal, "ServiceRemoved", "Remove",
			fmt.Sprintf("%s was already gone: the API server no longer serves %s %s", st.Name, ref.APIVersion, ref.Kind))
		return nil, ctrl.Result{}, nil
	} else if err != nil {
		return nil, ctrl.Result{}, fmt.Errorf("look up kind %s: %w", gvk, err)
	}
	if err := r.watches.ensure(gvk); err != nil {
		return nil, ctrl.Result{}, fmt.Errorf("watch %s: %w", gvk, err)
	}

	obj, err := r.liveService(ctx, gvk, ref)
	if err != nil {
		return nil, ctrl.Result{}, err
	}
	if obj == nil {
		r.event(user, corev1.EventTypeNormal, "ServiceRemoved", "Remove", fmt.Sprintf("removed %s (%s %s)", st.Name, ref.Kind, namespacedName(ref)))
		return nil, ctrl.Result{}, nil
	}
	if obj.GetLabels()[iamv1alpha1.UserLabel] != user.Name || obj.GetLabels()[iamv1alpha1.AccountLabel] != user.Namespace {
		// Someone else's object took the name: not ours to delete.
		r.event(user, corev1.EventTypeWarning, "ServiceNotOwned", "Remove",
			fmt.Sprintf("left %s %s alone: it does not belong to this user", ref.Kind, namespacedName(ref)))
		return nil, ctrl.Result{}, nil
	}
	if obj.GetDeletionTimestamp().IsZero() {
		uid := obj.GetUID()
		err := r.Delete(ctx, obj, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
		switch {
		case apierrors.IsNotFound(err), apierrors.IsConflict(err):
			return r.removing(st, "waiting for the API server to confirm it is gone", iamv1alpha1.ReasonServicesRemoving), ctrl.Result{RequeueAfter: time.Second}, nil
		case err != nil:
			// A refusal (RBAC, a webhook) is shown with its true cause and
			// looked at again, like a refused apply.
			if refusal, ok := services.ClassifyWriteError(err, services.WriteDelete, services.WriteTarget{GVK: gvk, Namespace: ref.Namespace, Name: ref.Name}); ok {
				return r.removing(st, refusal.Message, refusal.Reason), ctrl.Result{RequeueAfter: notWatchableRetry}, nil
			}
			return nil, ctrl.Result{}, fmt.Errorf("delete %s %s: %w", ref.Kind, namespacedName(ref), err)
		}
		r.event(user, corev1.EventTypeNormal, "ServiceRemoving", "Remove", fmt.Sprintf("deleting %s (%s %s)", st.Name, ref.Kind, namespacedName(ref)))
		return r.removing(st, fmt.Sprintf("deleting %s %s", ref.Kind, namespacedName(ref)), iamv1alpha1.ReasonServicesRemoving), ctrl.Result{}, nil
	}

	held := sinceDeletion(obj, s.now)
	holders := "nothing visible"
	if f := obj.GetFinalizers(); len(f) > 0 {
		holders = "finalizers " + strings.Join(f, ", ")
	}
	timeout := r.Services.RemovalTimeout
	if held < timeout {
		return r.removing(st, fmt.Sprintf("waiting for %s %s to go (%s)", ref.Kind, namespacedName(ref), holders), iamv1alpha1.ReasonServicesRemoving),
			ctrl.Result{RequeueAfter: timeout - held}, nil
	}
	release := fmt.Sprintf("kubectl patch %s %s", mapping.Resource.GroupResource(), ref.Name)
	if ref.Namespace != "" {
		release += " -n " + ref.Namespace
	}
	release += ` --type=merge -p '{"metadata":{"finalizers":null}}'`
	message := fmt.Sprintf("%s %s has been deleting for %s, longer than --service-removal-timeout (%s); %s hold it. Fix the service's provider, or release it with: %s",
		ref.Kind, namespacedName(ref), held.Round(time.Second), timeout, holders, release)
	if st.Reason != iamv1alpha1.ReasonRemovalTimedOut {
		r.event(user, corev1.EventTypeWarning, iamv1alpha1.ReasonRemovalTimedOut, "Remove", message)
	}
	return r.removing(st, message, iamv1alpha1.ReasonRemovalTimedOut), ctrl.Result{}, nil
}

func (r *Reconciler) removing(st iamv1alpha1.ServiceStatus, message, reason string) *iamv1alpha1.ServiceStatus {
	st.Phase, st.Reason, st.Message = iamv1alpha1.ServicePhaseRemoving, reason, message
	return &st
}

// liveService reads a service's object, nil when it is gone. The cache
// may not have seen an object applied a moment ago, so its "gone" is
// confirmed with the API server before the user lets go of the object.
func (r *Reconciler) liveService(ctx context.Context, gvk schema.GroupVersionKind, ref iamv1alpha1.ServiceObjectReference) (*unstructured.Unstructured, error) {
	key := client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	err := r.cachedService(ctx, key, obj)
	if errors.Is(err, errNotWatchable) {
		return nil, fmt.Errorf("%s", notWatchableMessage(gvk, ref))
	}
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, obj)
	}
	switch {
	case err == nil:
		return obj, nil
	case apierrors.IsNotFound(err), meta.IsNoMatchError(err):
		return nil, nil
	default:
		return nil, fmt.Errorf("read %s %s: %w", ref.Kind, namespacedName(ref), err)
	}
}

// removeAllServices removes every service of a user being deleted: those
// in status, those its spec would render, in case an object was applied
// just before a crash kept it out of status, and any other object labelled
// as the user's (an orphan). It says whether all are gone, so the
// finalizer may go.
func (r *Reconciler) removeAllServices(ctx context.Context, s *userScope) (bool, ctrl.Result, error) {
	user := s.user
	all := append([]iamv1alpha1.ServiceStatus(nil), user.Status.Services...)
	recorded := map[string]bool{}
	for _, st := range all {
		recorded[st.Name] = st.Object != nil
	}
	for _, a := range user.Spec.Services {
		if recorded[a.AssignmentName()] {
			continue
		}
		if ref := r.renderedRef(ctx, user, a); ref != nil {
			all = append(all, iamv1alpha1.ServiceStatus{Name: a.AssignmentName(), ServiceClass: a.ServiceClass, Object: ref})
		}
	}
	var remaining []iamv1alpha1.ServiceStatus
	var result ctrl.Result
	for _, st := range all {
		left, res, err := r.removeService(ctx, s, st)
		if err != nil {
			return false, ctrl.Result{}, err
		}
		if left != nil {
			remaining = append(remaining, *left)
		}
		result = reconcile.Earliest(result, res)
	}
	// Orphans go too, and the user waits for them like for its services:
	// nothing labelled as its own may outlive it.
	orphansGone, err := r.removeOrphans(ctx, user, all)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	if !orphansGone {
		result = reconcile.Earliest(result, ctrl.Result{RequeueAfter: orphanRetry})
	}
	user.Status.Services = remaining
	recordServices(s)
	return len(remaining) == 0 && orphansGone, result, nil
}

// renderedRef is the object an assignment renders to, or nil when its
// class is gone or cannot render.
func (r *Reconciler) renderedRef(ctx context.Context, user *iamv1alpha1.User, a iamv1alpha1.ServiceAssignment) *iamv1alpha1.ServiceObjectReference {
	class := &iamv1alpha1.ServiceClass{}
	if err := r.Get(ctx, client.ObjectKey{Name: a.ServiceClass}, class); err != nil {
		return nil
	}
	obj, err := services.Render(services.Request{Class: class, User: user, Assignment: a})
	if err != nil {
		return nil
	}
	ref := objectRef(obj)
	return &ref
}
