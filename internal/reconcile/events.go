package reconcile

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
)

// RecordEvent records an event when the reconciler has a recorder (the
// unit tests build some without one). Events are for transitions only.
func RecordEvent(recorder events.EventRecorder, regarding, related runtime.Object, eventType, reason, action, format string, args ...any) {
	if recorder != nil {
		recorder.Eventf(regarding, related, eventType, reason, action, format, args...)
	}
}
