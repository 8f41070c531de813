package services

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Readiness is what a provisioned object says about itself.
type Readiness struct {
	Phase   iamv1alpha1.ServicePhase // Provisioning, Ready or Failed
	Reason  string
	Message string
}

// ReadinessOf reads an object's readiness: by the class's named condition,
// or else by kstatus, the rules Flux and Argo CD use for any kind.
func ReadinessOf(obj *unstructured.Unstructured, readiness *iamv1alpha1.ServiceReadiness) Readiness {
	if readiness != nil && readiness.ConditionType != "" {
		return byCondition(obj, readiness.ConditionType)
	}
	result, err := status.Compute(obj)
	if err != nil {
		return Readiness{iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonNotReady, fmt.Sprintf("cannot read the status of %s %s: %v", obj.GetKind(), obj.GetName(), err)}
	}
	switch result.Status {
	case status.CurrentStatus:
		return Readiness{iamv1alpha1.ServicePhaseReady, iamv1alpha1.ReasonObjectReady, fmt.Sprintf("%s %s is ready", obj.GetKind(), obj.GetName())}
	case status.FailedStatus:
		return Readiness{iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonNotReady, fmt.Sprintf("%s %s failed: %s", obj.GetKind(), obj.GetName(), result.Message)}
	default:
		return Readiness{iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonNotReady, notReadyMessage(obj, result.Message)}
	}
}

func byCondition(obj *unstructured.Unstructured, conditionType string) Readiness {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		cond, ok := c.(map[string]any)
		if !ok || cond["type"] != conditionType {
			continue
		}
		message, _ := cond["message"].(string)
		if cond["status"] == "True" {
			return Readiness{iamv1alpha1.ServicePhaseReady, iamv1alpha1.ReasonObjectReady, fmt.Sprintf("%s %s is ready", obj.GetKind(), obj.GetName())}
		}
		return Readiness{iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonNotReady, notReadyMessage(obj, fmt.Sprintf("%s is %v: %s", conditionType, cond["status"], message))}
	}
	return Readiness{iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonNotReady, notReadyMessage(obj, "waiting for condition "+conditionType)}
}

func notReadyMessage(obj *unstructured.Unstructured, detail string) string {
	if detail == "" {
		return fmt.Sprintf("%s %s is not ready yet", obj.GetKind(), obj.GetName())
	}
	return fmt.Sprintf("%s %s is not ready yet: %s", obj.GetKind(), obj.GetName(), detail)
}
