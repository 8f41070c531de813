{{/* The prefix of every object's name: the release name, with "tenantry"
added unless it is already in it ("helm install tenantry" gives the same
names as config/default). */}}
{{- define "tenantry.fullname" -}}
{{- if contains "tenantry" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-tenantry" .Release.Name | trunc 40 | trimSuffix "-" -}}
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
