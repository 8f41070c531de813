package reconcile

import "github.com/tenantry-io/tenantry/internal/conditions"

// Verdict is a pass's finding for a kstatus condition (Reconciling or
// Stalled): a reason and a message. A nil Verdict clears the condition,
// since kstatus conditions exist only while true.
type Verdict struct{ Reason, Message string }

// ApplyVerdict sets the condition from v, or removes it when v is nil.
func ApplyVerdict(obj conditions.Setter, conditionType string, v *Verdict) {
	if v == nil {
		conditions.Delete(obj, conditionType)
		return
	}
	conditions.MarkTrue(obj, conditionType, v.Reason, v.Message)
}
