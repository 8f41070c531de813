package services

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The errors below are built as the API server builds them (the same
// constructors, codes, causes and wording); test/integration's
// services_errors_test.go produces each of them for real.
func TestClassifyWriteError(t *testing.T) {
	widgets := schema.GroupResource{Group: "shop.example.com", Resource: "widgets"}
	target := WriteTarget{GVK: schema.GroupVersionKind{Group: "shop.example.com", Version: "v1", Kind: "Widget"}, Namespace: "acme", Name: "alice-widget"}

	namespaceTerminating := apierrors.NewForbidden(widgets, "alice-widget",
		errors.New("unable to create new content in namespace acme because it is being terminated"))
	namespaceTerminating.ErrStatus.Details.Causes = []metav1.StatusCause{{
		Type: corev1.NamespaceTerminatingCause, Message: "namespace acme is being terminated", Field: "metadata.namespace"}}
	webhookDenied := apierrors.NewForbidden(widgets, "alice-widget", errors.New("denied"))
	webhookDenied.ErrStatus.Message = `admission webhook "vwidget.shop.example.com" denied the request: colors are fixed at noon`
	webhookInvalid := apierrors.NewInvalid(target.GVK.GroupKind(), "alice-widget", field.ErrorList{field.Invalid(field.NewPath("spec", "color"), "red", "not today")})
	webhookInvalid.ErrStatus.Message = `admission webhook "vwidget.shop.example.com" denied the request: ` + webhookInvalid.ErrStatus.Message
	policyDenied := apierrors.NewInvalid(target.GVK.GroupKind(), "alice-widget", nil)
	policyDenied.ErrStatus.Message = `widgets.shop.example.com "alice-widget" is forbidden: ValidatingAdmissionPolicy 'no-red' with binding 'no-red' denied request: red is out`
	notFoundPath := apierrors.NewNotFound(schema.GroupResource{}, "")
	notFoundPath.ErrStatus.Message = "the server could not find the requested resource"
	notFoundPath.ErrStatus.Details = &metav1.StatusDetails{}

	for _, tc := range []struct {
		name        string
		err         error
		verb        string
		wantOK      bool
		wantReason  string
		wantMessage []string
		quiet       bool
		expected    bool
	}{
		{name: "missing RBAC", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonNotPermitted,
			err:         apierrors.NewForbidden(widgets, "alice-widget", errors.New(`User "system:serviceaccount:tenantry-system:manager" cannot patch resource "widgets" in API group "shop.example.com" in the namespace "acme"`)),
			wantMessage: []string{"the operator may not apply Widget acme/alice-widget", iamv1alpha1.AggregateToManagerLabel + "=true", "cannot patch resource"}},
		{name: "missing RBAC to delete", verb: WriteDelete, wantOK: true, wantReason: iamv1alpha1.ReasonNotPermitted,
			err:         apierrors.NewForbidden(widgets, "alice-widget", errors.New(`User "x" cannot delete resource "widgets"`)),
			wantMessage: []string{"may not delete Widget acme/alice-widget"}},
		{name: "the kind not mapped", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonKindNotFound,
			err:         &meta.NoKindMatchError{GroupKind: target.GVK.GroupKind(), SearchedVersions: []string{"v1"}},
			wantMessage: []string{"the API server does not serve shop.example.com/v1 Widget"}},
		{name: "the kind's path gone, a stale mapping", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonKindNotFound,
			err: notFoundPath, wantMessage: []string{"does not serve shop.example.com/v1 Widget"}},
		{name: "the CRD terminating", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonKindTerminating,
			err:         apierrors.NewForbidden(widgets, "alice-widget", errors.New("create not allowed while custom resource definition is terminating")),
			wantMessage: []string{"CustomResourceDefinition is being deleted", "Widget acme/alice-widget"}},
		{name: "the namespace terminating", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonNamespaceTerminating, expected: true,
			err: namespaceTerminating, wantMessage: []string{"namespace acme is being deleted"}},
		{name: "the namespace gone", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonNamespaceTerminating, expected: true,
			err: apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "acme"), wantMessage: []string{"namespace acme does not exist any more"}},
		{name: "a webhook's denial", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonAdmissionDenied,
			err: webhookDenied, wantMessage: []string{`admission webhook "vwidget.shop.example.com" denied the request: colors are fixed at noon`}},
		{name: "a webhook's denial with 422", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonAdmissionDenied,
			err: webhookInvalid, wantMessage: []string{"denied the request", "spec.color"}},
		{name: "a policy's denial", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonAdmissionDenied,
			err: policyDenied, wantMessage: []string{"ValidatingAdmissionPolicy 'no-red'", "red is out"}},
		{name: "an invalid object names its field", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonInvalidObject,
			err: apierrors.NewInvalid(target.GVK.GroupKind(), "alice-widget", field.ErrorList{
				field.Invalid(field.NewPath("spec", "size"), 30, "spec.size in body should be less than or equal to 10")}),
			wantMessage: []string{"Widget acme/alice-widget rendered from the template is invalid: spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10"}},
		{name: "a malformed object", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonInvalidObject,
			err: apierrors.NewBadRequest("the body of the request was in an unknown format"), wantMessage: []string{"unknown format"}},
		{name: "a conflict, quietly", verb: WriteApply, wantOK: true, wantReason: iamv1alpha1.ReasonWriteConflict, quiet: true,
			err: fmt.Errorf("apply: %w", apierrors.NewConflict(widgets, "alice-widget", errors.New("the object has been modified")))},
		{name: "a timeout is no refusal", verb: WriteApply, err: apierrors.NewTimeoutError("slow", 1)},
		{name: "a broken connection is no refusal", verb: WriteApply, err: errors.New("connection refused")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ClassifyWriteError(tc.err, tc.verb, target)
			if ok != tc.wantOK || got.Reason != tc.wantReason || got.Quiet != tc.quiet || got.Expected != tc.expected {
				t.Fatalf("ClassifyWriteError = %+v, %v; want reason %q, ok %v, quiet %v, expected %v", got, ok, tc.wantReason, tc.wantOK, tc.quiet, tc.expected)
			}
			for _, want := range tc.wantMessage {
				if !strings.Contains(got.Message, want) {
					t.Errorf("message %q does not say %q", got.Message, want)
				}
			}
			if ok && got.Message == "" {
				t.Error("a refusal needs a message")
			}
		})
	}
}
