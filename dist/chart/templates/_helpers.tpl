{{/* The prefix of every object's name: the release name, with "tenantry"
added unless it is already in it ("helm install tenantry" gives the same
names as config/default). At most 36 characters, so that the longest name
of a Service, <prefix>-controller-manager-metrics, stays within the 63 of a
DNS label; a longer one is cut and given a hash of the whole, so that two
releases whose names start alike still name their cluster-wide objects
apart. */}}
{{- define "tenantry.fullname" -}}
{{- $name := .Release.Name -}}
{{- if not (contains "tenantry" $name) -}}
{{- $name = printf "%s-tenantry" $name -}}
{{- end -}}
{{- if le (len $name) 36 -}}
{{- $name -}}
{{- else -}}
{{- printf "%s-%s" ($name | trunc 27 | trimSuffix "-") (sha256sum $name | trunc 8) -}}
{{- end -}}
{{- end -}}

{{- define "tenantry.labels" -}}
app.kubernetes.io/name: tenantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: tenantry
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selects the manager's pods; never changes, since a Deployment's selector cannot. */}}
{{- define "tenantry.selectorLabels" -}}
app.kubernetes.io/name: tenantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end -}}

{{- define "tenantry.serviceAccountName" -}}
{{ include "tenantry.fullname" . }}-controller-manager
{{- end -}}

{{- define "tenantry.webhookService" -}}
{{ include "tenantry.fullname" . }}-webhook-service
{{- end -}}

{{- define "tenantry.webhookCertSecret" -}}
{{ include "tenantry.fullname" . }}-webhook-server-cert
{{- end -}}

{{- define "tenantry.servingCert" -}}
{{ include "tenantry.fullname" . }}-serving-cert
{{- end -}}

{{/* Where the replicas hold their leader election Lease. */}}
{{- define "tenantry.leaderElectionNamespace" -}}
{{ .Values.leaderElection.namespace | default .Release.Namespace }}
{{- end -}}
