{{/* The release's name, shortened to what a DNS label allows. */}}
{{- define "gpulab.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries; `component` names the part. */}}
{{- define "gpulab.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/component: {{ .component }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* What a selector of one part matches: stable across upgrades, so no version in it. */}}
{{- define "gpulab.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gpulab.image" -}}
{{ .repository }}:{{ .tag }}
{{- end -}}

{{- define "gpulab.natsUrl" -}}
nats://{{ include "gpulab.fullname" . }}-nats:4222
{{- end -}}

{{- define "gpulab.tokensSecret" -}}
{{- .Values.tokens.existingSecret | default (printf "%s-tokens" (include "gpulab.fullname" .)) -}}
{{- end -}}

{{/* The course servers' GPUs, in order: the scheduler's GPULAB_GPU_LAYOUT. */}}
{{- define "gpulab.gpuLayout" -}}
{{- $gpus := list -}}
{{- range .Values.nodes.servers }}{{ $gpus = append $gpus (toString .gpus) }}{{ end -}}
{{- join "," $gpus -}}
{{- end -}}

{{/* Every gpulab container runs as the images' unprivileged user, with nothing to escalate to. */}}
{{- define "gpulab.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "gpulab.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Settings the gateway and the scheduler share. */}}
{{- define "gpulab.commonEnv" -}}
- name: GPULAB_NATS_URL
  value: {{ include "gpulab.natsUrl" . | quote }}
- name: GPULAB_NATS_REPLICAS
  value: {{ .Values.nats.jetstreamReplicas | quote }}
- name: GPULAB_TOKENS_FILE
  value: /etc/gpulab/tokens/tokens.json
- name: GPULAB_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: GPULAB_METRICS_HOST
  value: "0.0.0.0"
{{- end -}}

{{/* Checks across fields, which values.schema.json cannot express. */}}
{{- define "gpulab.validate" -}}
{{- if gt (int .Values.nats.jetstreamReplicas) (int .Values.nats.replicas) -}}
{{- fail (printf "nats.jetstreamReplicas: %v copies need at least as many NATS servers (nats.replicas is %v)" .Values.nats.jetstreamReplicas .Values.nats.replicas) -}}
{{- end -}}
{{- if and .Values.gateway.tls.clientCaKey (not .Values.gateway.tls.secretName) -}}
{{- fail "gateway.tls.clientCaKey: client certificates need TLS; set gateway.tls.secretName too" -}}
{{- end -}}
{{- if and .Values.gateway.ingress.enabled .Values.gateway.grpcRoute.enabled -}}
{{- fail "gateway.grpcRoute.enabled: choose an Ingress or a GRPCRoute, not both" -}}
{{- end -}}
{{- end -}}
