package services

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func object(conds ...map[string]any) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "mail.example.com/v1", "kind": "Mailbox",
		"metadata": map[string]any{"name": "alice-mailbox", "namespace": "acme", "generation": int64(1)}}}
	if len(conds) > 0 {
		list := make([]any, len(conds))
		for i, c := range conds {
			list[i] = c
		}
		_ = unstructured.SetNestedSlice(obj.Object, list, "status", "conditions")
	}
	return obj
}

func TestReadinessByNamedCondition(t *testing.T) {
	byReady := &iamv1alpha1.ServiceReadiness{ConditionType: "Ready"}
	cases := map[string]struct {
		obj  *unstructured.Unstructured
		want iamv1alpha1.ServicePhase
	}{
		"no status yet": {object(), iamv1alpha1.ServicePhaseProvisioning},
		"ready":         {object(map[string]any{"type": "Ready", "status": "True"}), iamv1alpha1.ServicePhaseReady},
		"not ready":     {object(map[string]any{"type": "Ready", "status": "False", "message": "creating"}), iamv1alpha1.ServicePhaseProvisioning},
	}
	for name, tc := range cases {
		if got := ReadinessOf(tc.obj, byReady); got.Phase != tc.want {
			t.Errorf("%s: phase %s (%s), want %s", name, got.Phase, got.Message, tc.want)
		}
	}
}

func TestReadinessByKstatus(t *testing.T) {
	if got := ReadinessOf(object(), nil); got.Phase != iamv1alpha1.ServicePhaseReady {
		t.Errorf("an object without status conditions is current by kstatus; got %s", got.Phase)
	}
	stalled := object(map[string]any{"type": "Stalled", "status": "True", "reason": "Quota", "message": "no space"})
	if got := ReadinessOf(stalled, nil); got.Phase != iamv1alpha1.ServicePhaseFailed {
		t.Errorf("a Stalled object has failed; got %s", got.Phase)
	}
	reconciling := object(map[string]any{"type": "Reconciling", "status": "True", "reason": "Creating"})
	if got := ReadinessOf(reconciling, nil); got.Phase != iamv1alpha1.ServicePhaseProvisioning {
		t.Errorf("a Reconciling object is provisioning; got %s", got.Phase)
	}
}
