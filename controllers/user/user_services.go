package user

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/metrics"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// ServiceSettings shape how a user's services are provisioned and removed.
type ServiceSettings struct {
	// Cache holds the provisioned objects: only those labelled with
	// iam.tenantry.io/service-class, of whichever kinds classes name.
	Cache cache.Cache
	// Mapper tells which kinds the API server serves, and their scope.
	Mapper meta.RESTMapper
	// RemovalTimeout is how long a service's object may take to go before
	// the user reports it as stuck (it keeps waiting).
	RemovalTimeout time.Duration
	// CacheWait bounds a read of the services cache; zero means
	// defaultServiceCacheWait.
	CacheWait time.Duration
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=serviceclasses;subscriptions,verbs=get;list;watch

// reconcileServices provisions each assignment in spec.services and removes
// the objects of assignments that are gone, recording each in
// status.services. One service failing is reported and the others go on.
func (r *Reconciler) reconcileServices(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if len(user.Spec.Services) == 0 && len(user.Status.Services) == 0 {
		return ctrl.Result{}, nil
	}
	// Only read: the cache's own copies do. A subscription names every
	// seat holder, so a copy per pass would cost a new user in proportion
	// to the account.
	subs := &iamv1alpha1.SubscriptionList{}
	if err := r.List(ctx, subs, client.InNamespace(user.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list subscriptions of account %s: %w", user.Namespace, err)
	}
	previous := map[string]*iamv1alpha1.ServiceStatus{}
	for i := range user.Status.Services {
		previous[user.Status.Services[i].Name] = &user.Status.Services[i]
	}

	var next []iamv1alpha1.ServiceStatus
	var result ctrl.Result
	assigned := map[string]bool{}
	for _, a := range user.Spec.Services {
		// A soft-deleted user's service of a class that says Remove is
		// removed like an unassigned one, and made again on a restore.
		if removed, err := r.removedWhileDeleted(ctx, user, a); err != nil || removed {
			if err != nil {
				return ctrl.Result{}, err
			}
			continue
		}
		st, res, err := r.provisionService(ctx, s, a, previous[a.AssignmentName()], subs.Items)
		if err != nil {
			return ctrl.Result{}, err
		}
		assigned[st.Name] = true
		next = append(next, st)
		result = reconcile.Earliest(result, res)
	}
	for _, prev := range user.Status.Services {
		if assigned[prev.Name] {
			continue
		}
		st, res, err := r.removeService(ctx, s, prev)
		if err != nil {
			return ctrl.Result{}, err
		}
		if st != nil {
			next = append(next, *st)
		}
		result = reconcile.Earliest(result, res)
	}
	user.Status.Services = next
	recordServices(s)
	return result, nil
}

// removedWhileDeleted says whether the assignment's service goes while the
// user is deleted softly: its class says Remove. A class that does not
// exist removes nothing; provisionService reports it.
func (r *Reconciler) removedWhileDeleted(ctx context.Context, user *iamv1alpha1.User, a iamv1alpha1.ServiceAssignment) (bool, error) {
	if user.Spec.State != iamv1alpha1.UserStateDeleted {
		return false, nil
	}
	class := &iamv1alpha1.ServiceClass{}
	if err := r.Get(ctx, client.ObjectKey{Name: a.ServiceClass}, class); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("get service class %s: %w", a.ServiceClass, err)
	}
	return class.Spec.RemovedWhileDeleted(), nil
}

// provisionService brings one assignment's object in line: it resolves
// the class and the seat, renders the object, applies it when it differs
// from what was last applied, and reads its readiness.
func (r *Reconciler) provisionService(ctx context.Context, s *userScope, a iamv1alpha1.ServiceAssignment, prev *iamv1alpha1.ServiceStatus, subs []iamv1alpha1.Subscription) (iamv1alpha1.ServiceStatus, ctrl.Result, error) {
	user := s.user
	st := iamv1alpha1.ServiceStatus{Name: a.AssignmentName(), ServiceClass: a.ServiceClass}
	if prev != nil {
		st.Subscription, st.Object, st.Column = prev.Subscription, prev.Object, prev.Column
	}
	// seated is set once the assignment holds its seat: until then an entry
	// with an object names the seat that object holds (services.EntrySeat).
	seated := false
	set := func(phase iamv1alpha1.ServicePhase, reason, message string) iamv1alpha1.ServiceStatus {
		st.Phase, st.Reason, st.Message = phase, reason, message
		st.ServiceClass, st.Subscription = services.EntrySeat(prev, a.ServiceClass, st.Subscription, seated)
		return st
	}
	kept := ""
	if st.Object != nil {
		kept = fmt.Sprintf("; %s %s is left as it is", st.Object.Kind, st.Object.Name)
	}

	class := &iamv1alpha1.ServiceClass{}
	if err := r.Get(ctx, client.ObjectKey{Name: a.ServiceClass}, class); err != nil {
		if !apierrors.IsNotFound(err) {
			return st, ctrl.Result{}, fmt.Errorf("get service class %s: %w", a.ServiceClass, err)
		}
		return set(iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonClassNotFound, fmt.Sprintf("service class %s does not exist%s", a.ServiceClass, kept)), ctrl.Result{}, nil
	}
	st.Column = class.Spec.ColumnName

	resolved := services.Resolve(a, services.Recorded(user, a), subs)
	if resolved.Reason != "" {
		return set(iamv1alpha1.ServicePhaseFailed, resolved.Reason, resolved.Message+kept), ctrl.Result{}, nil
	}
	st.Subscription = resolved.Subscription
	if phase, reason, message := seatOf(user.Name, st.Name, a.ServiceClass, resolved.Subscription, subs); phase != "" {
		return set(phase, reason, message+kept), ctrl.Result{}, nil
	}
	seated = true
	if st.Object == nil && !class.Spec.ProvisionWhileInvited && !conditions.IsTrue(user, iamv1alpha1.EmailVerifiedCondition) {
		return set(iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingAcceptance, "provisioned once the person accepts the invitation"), ctrl.Result{}, nil
	}

	obj, err := services.Render(services.Request{Class: class, User: user, Assignment: a, Suspend: user.Spec.State.KeepsOut()})
	if err != nil {
		return set(iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonRenderFailed, err.Error()), ctrl.Result{}, nil
	}
	gvk := obj.GroupVersionKind()
	servability, err := services.CheckServable(ctx, r.Services.Mapper, r.watches.crdLookup(r.Client), gvk, class.Spec.Scope)
	if err != nil {
		return st, ctrl.Result{}, err
	}
	if !servability.Servable() {
		return set(iamv1alpha1.ServicePhaseFailed, servability.Reason, servability.Message+kept), ctrl.Result{}, nil
	}
	ref := objectRef(obj)
	if st.Object != nil && *st.Object != ref {
		// The class now renders another object (its kind or name changed):
		// the old one goes first, then the new one is applied.
		// The old object holds its seat until it is gone.
		old := st
		old.ServiceClass, old.Subscription = services.EntrySeat(prev, a.ServiceClass, st.Subscription, false)
		removing, res, err := r.removeService(ctx, s, old)
		if err != nil || removing != nil {
			if removing != nil {
				removing.Message = fmt.Sprintf("replacing %s %s with %s %s: %s", st.Object.Kind, st.Object.Name, ref.Kind, ref.Name, removing.Message)
				return *removing, res, err
			}
			return st, res, err
		}
		st.Object = nil
	}
	if err := r.watches.ensure(gvk); err != nil {
		return st, ctrl.Result{}, fmt.Errorf("watch %s: %w", gvk, err)
	}

	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(gvk)
	err = r.cachedService(ctx, client.ObjectKeyFromObject(obj), live)
	switch {
	case errors.Is(err, errNotWatchable):
		return set(iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonNotWatchable, notWatchableMessage(gvk, ref)+kept), ctrl.Result{RequeueAfter: notWatchableRetry}, nil
	case err != nil && !apierrors.IsNotFound(err):
		return st, ctrl.Result{}, fmt.Errorf("read %s %s: %w", gvk.Kind, obj.GetName(), err)
	case err == nil && !live.GetDeletionTimestamp().IsZero():
		// Deleted by someone else while assigned: it is made again once
		// gone, since the assignment still asks for it.
		st.Object = &ref
		return set(iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonObjectDeleting,
			fmt.Sprintf("%s %s is being deleted; it is made again once gone, while the user is assigned %s", gvk.Kind, obj.GetName(), st.Name)), ctrl.Result{}, nil
	}
	// An object not there yet is applied now, and recorded with its
	// readiness in the status this pass writes. A pass that applies and
	// never writes (killed between the two, or the user changed meanwhile)
	// leaves an object no status names: the next pass records it, or
	// removes it as an orphan once no assignment asks for it, and its seat
	// is kept until it is gone (services.SeatObjects). Nothing is made on a
	// stale word: the user must be as the API server has it, so that an
	// assignment already taken back, whose seat may be someone else's by
	// now, is not provisioned from a cache that has not seen it go.
	if apierrors.IsNotFound(err) && st.Object == nil {
		current, err := r.userIsCurrent(ctx, s)
		if err != nil {
			return st, ctrl.Result{}, err
		}
		if !current {
			return set(iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonServicesProvisioning,
				fmt.Sprintf("%s %s is made once the user is read again", gvk.Kind, namespacedName(ref))), ctrl.Result{RequeueAfter: requeueCacheBehind}, nil
		}
	}
	obj, refusal, err := r.syncService(ctx, user, class.Name, st, obj, live, err == nil, !provisionedWithCreation(user, prev))
	if err != nil {
		return st, ctrl.Result{}, err
	}
	if refusal != nil {
		return r.refused(ctx, set, *refusal)
	}
	st.Object = &ref
	ready := services.ReadinessOf(obj, class.Spec.Readiness)
	return set(ready.Phase, ready.Reason, ready.Message), ctrl.Result{}, nil
}

// userIsCurrent says whether the user is at the resourceVersion the pass
// read, as the API server has it. Only its metadata is read, once a pass
// however many services it makes.
func (r *Reconciler) userIsCurrent(ctx context.Context, s *userScope) (bool, error) {
	if s.userCurrent {
		return true, nil
	}
	live := &metav1.PartialObjectMetadata{}
	live.SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("User"))
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(s.user), live); err != nil {
		return false, fmt.Errorf("read user %s: %w", s.user.Name, err)
	}
	s.userCurrent = live.ResourceVersion == s.user.ResourceVersion
	return s.userCurrent, nil
}

// defaultServiceCacheWait bounds a read of the services cache. The first
// read of a kind waits for its watch to sync, which never happens when the
// operator may not list and watch that kind: a reconcile must not hang on it.
const defaultServiceCacheWait = 15 * time.Second

// notWatchableRetry is how soon a service whose kind could not be read is
// looked at again; the watch keeps trying in the background, and a
// ClusterRole granted meanwhile lets the next pass through.
const notWatchableRetry = 30 * time.Second

// errNotWatchable says the services cache could not sync a kind in time.
var errNotWatchable = errors.New("the watch of this kind did not sync")

// cachedService reads a service object from the services cache, giving up
// with errNotWatchable when the kind's watch does not sync in time.
func (r *Reconciler) cachedService(ctx context.Context, key client.ObjectKey, obj *unstructured.Unstructured) error {
	wait := r.Services.CacheWait
	if wait <= 0 {
		wait = defaultServiceCacheWait
	}
	readCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	err := r.Services.Cache.Get(readCtx, key, obj)
	if err != nil && readCtx.Err() != nil && ctx.Err() == nil {
		return errNotWatchable
	}
	return err
}

func notWatchableMessage(gvk schema.GroupVersionKind, ref iamv1alpha1.ServiceObjectReference) string {
	return fmt.Sprintf("cannot list and watch %s %s objects to read %s: grant the operator get, list and watch on them through a ClusterRole labelled %s=true",
		gvk.GroupVersion(), gvk.Kind, namespacedName(ref), iamv1alpha1.AggregateToManagerLabel)
}

// seatOf reads the subscription's verdict on an assignment's seat: an
// empty phase when it holds one.
func seatOf(user, assignment, class, subscription string, subs []iamv1alpha1.Subscription) (iamv1alpha1.ServicePhase, string, string) {
	key := services.SeatKey(user, assignment)
	for i := range subs {
		if subs[i].Name != subscription {
			continue
		}
		usage := services.Usage(&subs[i], class)
		switch {
		case usage != nil && slices.Contains(usage.Holders, key):
			return "", "", ""
		case usage != nil && slices.Contains(usage.Refused, key):
			// A subscription that gives out nothing (expired, not valid
			// yet, being deleted) refuses everyone: say that, not "full".
			if ready := conditions.Get(&subs[i], iamv1alpha1.ReadyCondition); ready != nil && closedReasons[ready.Reason] {
				return iamv1alpha1.ServicePhaseFailed, ready.Reason, ready.Message
			}
			return iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonQuotaExceeded,
				fmt.Sprintf("subscription %s has no %s left: %d of %d are assigned", subscription, class, usage.Used, usage.Quantity)
		}
	}
	return iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingSeat,
		fmt.Sprintf("waiting for subscription %s to give a seat", subscription)
}

// closedReasons are the Ready reasons of a subscription that gives out no
// seats at all.
var closedReasons = map[string]bool{
	iamv1alpha1.ReasonNotYetValid: true,
	iamv1alpha1.ReasonExpired:     true,
	iamv1alpha1.ReasonDeleting:    true,
}

// provisionedWithCreation says whether a service made now came with the
// user: the spec is as the user was created (generation 1) and the status
// has no entry for the assignment yet. Like a first invitation delivered
// at once (firstInvitationAtOnce), that is no news: the entry this pass
// writes names the object and its readiness, and the history has the
// creation with its assignments. An event of its own would be a fifth of
// the API server's writes for a burst of new users with a service. A
// service assigned later, made again once its object was deleted, or made
// once a seat or the acceptance came (the entry said what it waited for)
// is an event.
func provisionedWithCreation(user *iamv1alpha1.User, prev *iamv1alpha1.ServiceStatus) bool {
	return user.Generation == 1 && prev == nil
}

// syncService applies obj when live (read from the cache; exists says
// whether it was there) is missing, was applied from another template, or
// had a field the template renders changed by someone else (drift). It
// returns the object as it now is, for its readiness. announce says
// whether the object's making is news worth an event.
func (r *Reconciler) syncService(ctx context.Context, user *iamv1alpha1.User, class string, st iamv1alpha1.ServiceStatus, obj, live *unstructured.Unstructured, exists, announce bool) (*unstructured.Unstructured, *services.WriteRefusal, error) {
	var drifted []string
	if exists && sameTemplate(obj, live) {
		if drifted = r.driftOf(obj, live); len(drifted) == 0 {
			return live, nil, nil // as applied: nothing to send
		}
	}
	ref := objectRef(obj)
	refusal, err := r.applyService(ctx, obj)
	if err != nil {
		return nil, nil, fmt.Errorf("apply %s %s for user %s: %w", ref.Kind, ref.Name, user.Name, err)
	}
	if refusal != nil {
		return nil, refusal, nil
	}
	switch {
	case !exists && !r.watches.asApplied(obj):
		// Not in the cache, and not the version an earlier pass's apply
		// left: this apply made it. A pass on a cache yet to see the object
		// applies again, changes nothing, and tells nothing.
		if announce {
			r.event(user, corev1.EventTypeNormal, "ServiceProvisioned", "Provision",
				fmt.Sprintf("provisioned %s as %s %s", st.Name, ref.Kind, namespacedName(ref)))
		}
	case len(drifted) > 0 && obj.GetResourceVersion() != live.GetResourceVersion() && !r.watches.asApplied(obj):
		// The apply changed the object, and did not merely answer with the
		// version the last apply left (a cache yet to see that apply).
		r.event(user, corev1.EventTypeNormal, "DriftCorrected", "Apply", services.DriftMessage(drifted, ref.Kind, namespacedName(ref)))
		metrics.RecordDriftCorrected(class)
	}
	r.watches.appliedAs(obj)
	return obj, nil, nil
}

// applyService server-side applies the rendered object as the operator's
// field manager, forced: the fields the template renders are the
// operator's, and taking them back from whoever edited them is the point.
// Fields others set on the object stay theirs. A refusal is returned with
// its true cause (see services.ClassifyWriteError); anything else is an
// error to retry.
func (r *Reconciler) applyService(ctx context.Context, obj *unstructured.Unstructured) (*services.WriteRefusal, error) {
	target := services.WriteTarget{GVK: obj.GroupVersionKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	r.watches.writes.writing(obj)
	err := r.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(iamv1alpha1.ServiceFieldManager), client.ForceOwnership)
	if err == nil {
		r.watches.writes.wrote(obj)
		return nil, nil
	}
	r.watches.writes.failed(obj, apierrors.IsConflict(err))
	if refusal, ok := services.ClassifyWriteError(err, services.WriteApply, target); ok && !refusal.Quiet {
		return &refusal, nil
	}
	// A conflict goes up as it is: the pass ends and is run again quietly
	// (reconcile.RequeueOnConflict), its status unchanged.
	return nil, err
}

// refused reports a refused apply in the service's status. A namespace
// being deleted is the end of the account, worth a debug line and no
// retry; missing RBAC is looked at again now and then, since granting it
// wakes no user. The others wait for a change of the class, the user or
// the kind, which brings the user back.
func (r *Reconciler) refused(ctx context.Context, set func(iamv1alpha1.ServicePhase, string, string) iamv1alpha1.ServiceStatus, refusal services.WriteRefusal) (iamv1alpha1.ServiceStatus, ctrl.Result, error) {
	st := set(iamv1alpha1.ServicePhaseFailed, refusal.Reason, refusal.Message)
	switch {
	case refusal.Expected:
		ctrl.LoggerFrom(ctx).V(1).Info("service object not written", "reason", refusal.Reason, "message", refusal.Message)
	case refusal.Reason == iamv1alpha1.ReasonNotPermitted:
		return st, ctrl.Result{RequeueAfter: notWatchableRetry}, nil
	}
	return st, ctrl.Result{}, nil
}

// sameTemplate says whether live was applied from the template that
// rendered obj, by the hash Render stamps on both.
func sameTemplate(obj, live *unstructured.Unstructured) bool {
	return live.GetAnnotations()[iamv1alpha1.ServiceTemplateHashAnnotation] == obj.GetAnnotations()[iamv1alpha1.ServiceTemplateHashAnnotation]
}

// driftOf lists the fields of live that no longer hold what obj renders.
// An object still at the version the last apply left it is not compared:
// nothing changed it since. That also keeps a field the API server
// normalises (a quantity, a value a mutating webhook rewrites), which the
// comparison cannot tell from an edit, from being applied on every pass:
// it is applied once, and the version the apply answers with is then
// known.
func (r *Reconciler) driftOf(obj, live *unstructured.Unstructured) []string {
	if r.watches.asApplied(live) {
		return nil
	}
	return services.Drift(obj, live)
}

func objectRef(obj *unstructured.Unstructured) iamv1alpha1.ServiceObjectReference {
	return iamv1alpha1.ServiceObjectReference{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

func namespacedName(ref iamv1alpha1.ServiceObjectReference) string {
	if ref.Namespace == "" {
		return ref.Name
	}
	return ref.Namespace + "/" + ref.Name
}

// sinceDeletion is how long an object has been deleting.
func sinceDeletion(obj metav1.Object, now time.Time) time.Duration {
	if obj.GetDeletionTimestamp() == nil {
		return 0
	}
	return now.Sub(obj.GetDeletionTimestamp().Time)
}
