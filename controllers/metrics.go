package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// reconcileConflicts counts the passes that met an optimistic-lock
// conflict and were run again. A steady trickle is normal; a flood says
// two writers fight over the same objects.
var reconcileConflicts = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tenantry_reconcile_conflicts_total",
	Help: "Reconciles that met an optimistic-lock conflict with a newer write and were run again.",
}, []string{"controller"})

func init() {
	metrics.Registry.MustRegister(reconcileConflicts)
}
