package operator

import (
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics filter asks the API server who calls and whether they may
// get /metrics.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsServer serves /metrics as kubebuilder's scaffold does: over
// https (a self-signed certificate; Prometheus checks the caller, not the
// server) and only to callers the API server authenticates and allows get
// on the non-resource URL /metrics (config/rbac/metrics_reader_role.yaml).
// The metrics tell how many users each account has and how logins go, so
// they are not for everyone who can reach the pod.
func metricsServer(o Options) metricsserver.Options {
	if !o.MetricsSecure {
		return metricsserver.Options{BindAddress: o.MetricsAddr}
	}
	return metricsserver.Options{
		BindAddress:    o.MetricsAddr,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
	}
}
