package metrics

import "github.com/prometheus/client_golang/prometheus"

// labelServiceClass is the ServiceClass a count is about: a class name is
// the platform's word for a kind of service, never a person's.
const labelServiceClass = "service_class"

var serviceDriftCorrected = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tenantry_service_drift_corrected_total",
	Help: "Service objects whose fields rendered by their ServiceClass were edited by someone else and restored.",
}, []string{labelServiceClass})

// RecordDriftCorrected counts one service object of class restored to what
// its class renders.
func RecordDriftCorrected(class string) { serviceDriftCorrected.WithLabelValues(class).Inc() }
