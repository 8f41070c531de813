package services

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A seat is held until its object is gone. The assignment claims it, and
// so does the status entry that names the object, while the object is
// removed. The User controller applies a service's object and then
// records it in the user's status, in one write with its readiness; an
// object applied by a pass whose status write never landed (the manager
// killed between the two, or the user changed meanwhile) is named by no
// status until the user's next pass records it, or removes it as an orphan
// when no assignment asks for it any more. Until then the object itself
// holds its seat: before a subscription lets a holder without a claim go,
// it looks for the holder's object (SeatObjects).

// UnclaimedHolders lists the seats sub's status gives to holders that the
// claims no longer name, class by class.
func UnclaimedHolders(sub *iamv1alpha1.Subscription, claims []Claim) []Claim {
	claimed := map[string]bool{}
	for _, c := range claims {
		claimed[c.Class+"\x00"+c.Key] = true
	}
	var unclaimed []Claim
	for _, usage := range sub.Status.Services {
		for _, key := range usage.Holders {
			if !claimed[usage.ServiceClass+"\x00"+key] {
				unclaimed = append(unclaimed, Claim{Key: key, Class: usage.ServiceClass})
			}
		}
	}
	return unclaimed
}

// SeatObjects finds the object that holds a seat by its labels, in every
// kind a ServiceClass names.
type SeatObjects struct {
	// Reader reads past the cache (the manager's API reader): an object
	// just applied may not be in a cache yet, and a seat given away on the
	// word of a cache that has not seen it would make one object more than
	// the subscription's seats.
	Reader client.Reader
	// Classes reads the ServiceClasses, whose templates name the kinds.
	Classes client.Reader
	Mapper  meta.RESTMapper
}

// Exists says whether an object of the seat's class labelled for its user
// and assignment exists in the account, being deleted or not.
func (s *SeatObjects) Exists(ctx context.Context, account string, seat Claim) (bool, error) {
	user, assignment, ok := strings.Cut(seat.Key, "/")
	if !ok {
		return false, nil
	}
	classes := &iamv1alpha1.ServiceClassList{}
	if err := s.Classes.List(ctx, classes); err != nil {
		return false, fmt.Errorf("list service classes: %w", err)
	}
	seen := map[schema.GroupVersionKind]bool{}
	for i := range classes.Items {
		gvk, ok := TemplateKind(&classes.Items[i])
		if !ok || seen[gvk] {
			continue
		}
		seen[gvk] = true
		found, err := s.existsOfKind(ctx, gvk, account, user, assignment, seat.Class)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

func (s *SeatObjects) existsOfKind(ctx context.Context, gvk schema.GroupVersionKind, account, user, assignment, class string) (bool, error) {
	mapping, err := s.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return false, nil // not served: none of it exists
	}
	if err != nil {
		return false, fmt.Errorf("map %s: %w", gvk, err)
	}
	opts := []client.ListOption{client.Limit(1), client.MatchingLabels{
		iamv1alpha1.ServiceClassLabel: class, iamv1alpha1.UserLabel: user,
		iamv1alpha1.ServiceLabel: assignment, iamv1alpha1.AccountLabel: account,
	}}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		opts = append(opts, client.InNamespace(account))
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	err = s.Reader.List(ctx, list, opts...)
	switch {
	case err == nil:
		return len(list.Items) > 0, nil
	case apierrors.IsForbidden(err), apierrors.IsNotFound(err), meta.IsNoMatchError(err):
		// A kind the operator may not read is one it never made: it
		// provisions an object only once its watch of the kind has read
		// it. A kind gone since has taken its objects with it.
		return false, nil
	default:
		return false, fmt.Errorf("list %s objects of seat %s/%s: %w", gvk.Kind, user, assignment, err)
	}
}

// TemplateKind reads the apiVersion and kind of a class's template.
func TemplateKind(class *iamv1alpha1.ServiceClass) (schema.GroupVersionKind, bool) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(class.Spec.Template.Raw, &tm); err != nil || tm.APIVersion == "" || tm.Kind == "" {
		return schema.GroupVersionKind{}, false
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return schema.GroupVersionKind{}, false
	}
	return gv.WithKind(tm.Kind), true
}
