package services

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// ServiceClassReconciler tells whether each ServiceClass can be provisioned:
// whether the API server serves its template's kind, with the scope the
// class says. It watches CustomResourceDefinitions (their metadata only),
// so a class naming a kind whose CRD is installed later becomes Ready the
// moment the kind is served, and the User controller, which watches
// classes, then provisions the services waiting for it.
//
// A CRD being deleted, or gone, makes its classes KindNotFound at once: the
// CRD's metadata says so even while the REST mapper still remembers the
// kind (see services.CRDs).
type ServiceClassReconciler struct {
	client.Client
	Mapper meta.RESTMapper

	crdsOnce sync.Once
	crds     *services.CRDs
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=serviceclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=serviceclasses/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch

// Reconcile checks the class's kind and records it in status.
func (r *ServiceClassReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	class := &iamv1alpha1.ServiceClass{}
	if err := r.Get(ctx, req.NamespacedName, class); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := class.DeepCopy()
	defer func() { result, retErr = reconcile.RequeueOnConflict(ctx, "serviceclass", result, retErr) }()

	ready, resource, err := r.check(ctx, class)
	if err != nil {
		return ctrl.Result{}, err
	}
	class.Status.Resource = resource
	conditions.Set(class, ready)
	class.Status.ObservedGeneration = class.Generation
	if err := patch.Status(ctx, r.Client, before, class, client.MergeFromWithOptimisticLock{}); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("patch status of service class %s: %w", class.Name, err)
	}
	return ctrl.Result{}, nil
}

// check resolves the template's kind. A kind that is not served is not an
// error to retry: the CRD watch brings the class back when it appears.
func (r *ServiceClassReconciler) check(ctx context.Context, class *iamv1alpha1.ServiceClass) (metav1.Condition, string, error) {
	ready := metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: metav1.ConditionFalse}
	gvk, err := templateKind(class)
	if err != nil {
		ready.Reason, ready.Message = iamv1alpha1.ReasonInvalidTemplate, err.Error()
		return ready, "", nil
	}
	servability, err := services.CheckServable(ctx, r.Mapper, r.crdLookup(), gvk, class.Spec.Scope)
	if err != nil {
		return ready, "", err
	}
	if !servability.Servable() {
		ready.Reason, ready.Message = servability.Reason, servability.Message
		return ready, servability.Resource, nil
	}
	ready.Status, ready.Reason = metav1.ConditionTrue, iamv1alpha1.ReasonKindServed
	ready.Message = fmt.Sprintf("services are provisioned as %s", servability.Resource)
	return ready, servability.Resource, nil
}

// crdLookup reads CRDs' metadata from the manager's cache, which this
// controller's CRD watch fills.
func (r *ServiceClassReconciler) crdLookup() services.CRDLookup {
	r.crdsOnce.Do(func() { r.crds = &services.CRDs{Reader: r.Client} })
	return r.crds.State
}

// templateKind reads the apiVersion and kind of a class's template.
func templateKind(class *iamv1alpha1.ServiceClass) (schema.GroupVersionKind, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(class.Spec.Template.Raw, &tm); err != nil {
		return schema.GroupVersionKind{}, fmt.Errorf("the template is not an object: %w", err)
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil || tm.APIVersion == "" || tm.Kind == "" {
		return schema.GroupVersionKind{}, fmt.Errorf("the template needs a valid apiVersion and a kind, not %q and %q", tm.APIVersion, tm.Kind)
	}
	return gv.WithKind(tm.Kind), nil
}

// SetupWithManager watches classes and the metadata of CRDs. Any CRD event
// (its creation, becoming established, its deletion starting or ending)
// rechecks every class:
// there are few classes, and a CRD's kind is only known from its spec.
func (r *ServiceClassReconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		For(&iamv1alpha1.ServiceClass{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(crd, handler.EnqueueRequestsFromMapFunc(r.allClasses)).
		Named("serviceclass").
		Complete(r)
}

func (r *ServiceClassReconciler) allClasses(ctx context.Context, _ client.Object) []ctrl.Request {
	classes := &iamv1alpha1.ServiceClassList{}
	if err := r.List(ctx, classes); err != nil {
		return nil
	}
	requests := make([]ctrl.Request, 0, len(classes.Items))
	for i := range classes.Items {
		requests = append(requests, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&classes.Items[i])})
	}
	return requests
}
