package services

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The writes of a service object that ClassifyWriteError tells about.
const (
	WriteApply  = "apply"
	WriteDelete = "delete"
)

// WriteTarget names the object a write was about.
type WriteTarget struct {
	GVK             schema.GroupVersionKind
	Namespace, Name string
}

func (t WriteTarget) String() string {
	if t.Namespace == "" {
		return t.GVK.Kind + " " + t.Name
	}
	return t.GVK.Kind + " " + t.Namespace + "/" + t.Name
}

// WriteRefusal is the true cause of a refused write, as a service's reason
// and message.
type WriteRefusal struct {
	Reason, Message string
	// Quiet: the write is simply tried again soon, with nothing reported
	// and nothing logged (a conflict with a newer write).
	Quiet bool
	// Expected: what is refused is the normal course of things (the
	// account's namespace is being deleted), worth a debug line at most.
	Expected bool
}

// ClassifyWriteError tells why the API server refused to apply or delete a
// service object, so that a person reads the true cause, not a guess: a 403
// is missing RBAC only when neither a terminating namespace, a terminating
// CRD nor an admission webhook gave it. ok is false for an error that is no
// refusal (a timeout, the API server unreachable): the caller returns it
// and the pass is retried with backoff. A delete's NotFound is success and
// is not asked about.
func ClassifyWriteError(err error, verb string, target WriteTarget) (refusal WriteRefusal, ok bool) {
	var status apierrors.APIStatus
	if err == nil || (!errors.As(err, &status) && !meta.IsNoMatchError(err)) {
		return WriteRefusal{}, false
	}
	message := err.Error()
	switch {
	case apierrors.IsConflict(err):
		return WriteRefusal{Reason: iamv1alpha1.ReasonWriteConflict, Quiet: true,
			Message: fmt.Sprintf("%s was written by someone else meanwhile; trying again", target)}, true
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return WriteRefusal{Reason: iamv1alpha1.ReasonNamespaceTerminating, Expected: true,
			Message: fmt.Sprintf("namespace %s is being deleted: %s cannot be made there", target.Namespace, target)}, true
	case apierrors.IsNotFound(err) && notFoundKind(err) == "namespaces":
		return WriteRefusal{Reason: iamv1alpha1.ReasonNamespaceTerminating, Expected: true,
			Message: fmt.Sprintf("namespace %s does not exist any more: %s cannot be made there", target.Namespace, target)}, true
	case meta.IsNoMatchError(err), apierrors.IsNotFound(err) && verb == WriteApply:
		// An apply creates what is missing, so its 404 is the resource's
		// path: the kind is gone (the mapper may still remember it).
		return notServedRefusal(target.GVK, "install its CustomResourceDefinition"), true
	case apierrors.IsForbidden(err) && strings.Contains(message, "custom resource definition is terminating"):
		return WriteRefusal{Reason: iamv1alpha1.ReasonKindTerminating, Message: fmt.Sprintf(
			"the API server makes no new %s %s objects: their CustomResourceDefinition is being deleted (%s cannot be made)",
			target.GVK.GroupVersion(), target.GVK.Kind, target)}, true
	case deniedByAdmission(message):
		return WriteRefusal{Reason: iamv1alpha1.ReasonAdmissionDenied,
			Message: fmt.Sprintf("admission refused to %s %s: %s", verb, target, status.Status().Message)}, true
	case apierrors.IsForbidden(err):
		return WriteRefusal{Reason: iamv1alpha1.ReasonNotPermitted, Message: fmt.Sprintf(
			"the operator may not %s %s: grant it through a ClusterRole labelled %s=true (%s)",
			verb, target, iamv1alpha1.AggregateToManagerLabel, status.Status().Message)}, true
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return WriteRefusal{Reason: iamv1alpha1.ReasonInvalidObject, Message: fmt.Sprintf(
			"%s rendered from the template is invalid: %s", target, invalidFields(status))}, true
	case apierrors.IsAlreadyExists(err), apierrors.IsMethodNotSupported(err):
		return WriteRefusal{Reason: iamv1alpha1.ReasonApplyFailed,
			Message: fmt.Sprintf("the API server refused to %s %s: %s", verb, target, status.Status().Message)}, true
	default:
		return WriteRefusal{}, false
	}
}

func notServedRefusal(gvk schema.GroupVersionKind, why string) WriteRefusal {
	s := notServed(gvk, why)
	return WriteRefusal{Reason: s.Reason, Message: s.Message}
}

// notFoundKind is the kind a NotFound names ("namespaces" when the
// object's namespace does not exist).
func notFoundKind(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		return status.Status().Details.Kind
	}
	return ""
}

// deniedByAdmission recognises the API server's words for a denial by an
// admission webhook or a ValidatingAdmissionPolicy, whatever code the
// webhook chose.
func deniedByAdmission(message string) bool {
	return strings.Contains(message, "admission webhook") && strings.Contains(message, "denied the request") ||
		strings.Contains(message, "ValidatingAdmissionPolicy") && strings.Contains(message, "denied request")
}

// invalidFields names each refused field with the API server's reason;
// the server's message when it gave no fields.
func invalidFields(status apierrors.APIStatus) string {
	s := status.Status()
	if s.Details == nil || len(s.Details.Causes) == 0 {
		return s.Message
	}
	parts := make([]string, 0, len(s.Details.Causes))
	for _, c := range s.Details.Causes {
		if c.Field == "" {
			parts = append(parts, c.Message)
			continue
		}
		parts = append(parts, c.Field+": "+c.Message)
	}
	return strings.Join(parts, "; ")
}
