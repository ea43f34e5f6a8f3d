{{/*
Names: every object is called prodready-<what>, as config/default's
namePrefix does, so that the manager's flag defaults
(--webhook-service-name, --webhook-secret-name, --webhook-config-name) match
whatever the release is called. Install one release per cluster.
*/}}

{{/* Labels on every object. */}}
{{- define "prodready.labels" -}}
app.kubernetes.io/name: prodready
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels selecting the manager pods; fixed, a Deployment's selector is immutable. */}}
{{- define "prodready.selectorLabels" -}}
app.kubernetes.io/name: prodready
control-plane: controller-manager
{{- end }}

{{/* The manager image. */}}
{{- define "prodready.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The namespaceSelector of every webhook: objects in the excluded namespaces,
the release namespace and namespaces labelled prodready.io/ignore=true are
admitted without calling prodready (config/webhook/namespace_selector.yaml).
*/}}
{{- define "prodready.webhookNamespaceSelector" -}}
matchExpressions:
- key: kubernetes.io/metadata.name
  operator: NotIn
  values:
  {{- range (append .Values.webhook.excludedNamespaces .Release.Namespace | uniq) }}
  - {{ . }}
  {{- end }}
- key: prodready.io/ignore
  operator: NotIn
  values:
  - "true"
{{- end }}

{{/* Annotations of the ValidatingWebhookConfiguration; empty without cert-manager. */}}
{{- define "prodready.webhookAnnotations" -}}
{{- if .Values.certManager.enable -}}
cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/prodready-serving-cert
{{- end -}}
{{- end }}

{{/* Whether the Prometheus Operator's API is served (ServiceMonitor, PrometheusRule). */}}
{{- define "prodready.hasMonitoringAPI" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" -}}true{{- end -}}
{{- end }}

{{/*
The groups allowed to set, change or remove prodready.io/ignore on a
Namespace, as the CEL list the ValidatingAdmissionPolicy reads. The schema
keeps quotes and backslashes out of the names.
*/}}
{{- define "prodready.allowedGroupsCEL" -}}
[{{ range $i, $g := .Values.ignoreLabel.allowedGroups }}{{ if $i }}, {{ end }}'{{ $g }}'{{ end }}]
{{- end }}
