package reconcile

import (
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// RequestQueue is the work queue a watch's event handler adds requests to.
type RequestQueue = workqueue.TypedRateLimitingInterface[reconcile.Request]
