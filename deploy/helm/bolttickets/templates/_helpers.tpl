{{/* Names and labels. */}}
{{- define "bolttickets.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bolttickets.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bolttickets.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bolttickets.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bolttickets.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "bolttickets.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bolttickets
{{- end }}

{{/* The labels of one component (api, worker, web, migrations); call with (list $ "api"). */}}
{{- define "bolttickets.componentSelectorLabels" -}}
{{ include "bolttickets.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "bolttickets.componentLabels" -}}
{{ include "bolttickets.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "bolttickets.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bolttickets.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods read BOLT_DATABASE_URL, BOLT_REDIS_URL and BOLT_JWT_SECRET from:
     an existing one, or the one the chart or the Secrets Store CSI driver makes, named
     after `prefix`. Call with (list $ prefix). */}}
{{- define "bolttickets.secretNameFor" -}}
{{- $values := (index . 0).Values }}
{{- if and (not $values.secretsStore.enabled) $values.secrets.existingSecret }}
{{- $values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (index . 1) }}
{{- end }}
{{- end }}

{{- define "bolttickets.secretName" -}}
{{- include "bolttickets.secretNameFor" (list . (include "bolttickets.fullname" .)) }}
{{- end }}

{{/* repository:tag or repository:tag@digest; the tag defaults to the appVersion, never latest.
     Call with (list $ .Values.image). */}}
{{- define "bolttickets.image" -}}
{{- $root := index . 0 }}
{{- $image := index . 1 }}
{{- $tag := default $root.Chart.AppVersion $image.tag }}
{{- if eq $tag "latest" }}
{{- fail "image tags are never `latest`: name a version (or a digest)" }}
{{- end }}
{{- $ref := printf "%s:%s" $image.repository $tag }}
{{- if $image.digest }}
{{- $ref = printf "%s@%s" $ref $image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/* Pod annotations: the checksum of each file the pod reads, so a changed setting rolls
     the pods, and linkerd's sidecar injection. Call with (list $ checksums), checksums a
     dict of name → content. */}}
{{- define "bolttickets.podAnnotations" -}}
{{- $annotations := dict }}
{{- range $name, $content := index . 1 }}
{{- $_ := set $annotations (printf "checksum/%s" $name) ($content | sha256sum) }}
{{- end }}
{{- if eq (index . 0).Values.mesh "linkerd" }}
{{- $_ := set $annotations "linkerd.io/inject" "enabled" }}
{{- end }}
{{- toYaml $annotations }}
{{- end }}

{{/* A pod's labels: its component's, Istio's sidecar injection (a pod label; its annotation
     form is deprecated) and podLabels. Call with (list $ component sidecar). */}}
{{- define "bolttickets.podLabels" -}}
{{- $root := index . 0 -}}
{{ include "bolttickets.componentLabels" (list $root (index . 1)) }}
{{- if eq $root.Values.mesh "istio" }}
sidecar.istio.io/inject: {{ index . 2 | quote }}
{{- end }}
{{- with $root.Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* What the app's pods read: the settings, and the Secret when the chart makes it. */}}
{{- define "bolttickets.appChecksums" -}}
{{- $files := dict "config" (include "bolttickets.configData" .) }}
{{- if not (or .Values.secretsStore.enabled .Values.secrets.existingSecret) }}
{{- $_ := set $files "secret" (include "bolttickets.secretData" .) }}
{{- end }}
{{- toJson $files }}
{{- end }}

{{/* The pod's security context. The app image's user is 10001; nginx-unprivileged's own
     is 101, but it runs as any user since all it writes is under /tmp (nginx.conf), so the
     web page runs as 10101, clear of the host's system users. Call with the uid. */}}
{{- define "bolttickets.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "bolttickets.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The app image's variables: the ConfigMap and the Secret. */}}
{{- define "bolttickets.envFrom" -}}
- configMapRef:
    name: {{ include "bolttickets.fullname" . }}-config
- secretRef:
    name: {{ include "bolttickets.secretName" . }}
{{- end }}

{{/* The only writable place of a read-only root file system, and the Secrets Store volume
     (the driver syncs its Secret only while a pod mounts it). */}}
{{- define "bolttickets.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.secretsStore.enabled }}
- name: secrets-store
  mountPath: /mnt/secrets-store
  readOnly: true
{{- end }}
{{- end }}

{{/* Call with (list $ secretProviderClassName). */}}
{{- define "bolttickets.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if (index . 0).Values.secretsStore.enabled }}
- name: secrets-store
  csi:
    driver: secrets-store.csi.k8s.io
    readOnly: true
    volumeAttributes:
      secretProviderClass: {{ index . 1 }}
{{- end }}
{{- end }}

{{/* Spread a component's pods across zones, then nodes. Call with (list $ "api"). */}}
{{- define "bolttickets.topologySpread" -}}
{{- $root := index . 0 }}
{{- if $root.Values.topologySpread.enabled -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: {{ $root.Values.topologySpread.zone }}
    labelSelector:
      matchLabels:
        {{- include "bolttickets.componentSelectorLabels" . | nindent 8 }}
    matchLabelKeys: [pod-template-hash]
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ $root.Values.topologySpread.hostname }}
    labelSelector:
      matchLabels:
        {{- include "bolttickets.componentSelectorLabels" . | nindent 8 }}
    matchLabelKeys: [pod-template-hash]
{{- end }}
{{- end }}

{{/* What every pod of the chart shares. Call with (list $ serviceAccountName uid). */}}
{{- define "bolttickets.podSpecCommon" -}}
{{- $root := index . 0 -}}
serviceAccountName: {{ index . 1 }}
automountServiceAccountToken: false
securityContext:
  {{- include "bolttickets.podSecurityContext" (index . 2) | nindent 2 }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "bolttickets.migrationsServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- include "bolttickets.migrationsName" . }}
{{- else }}
{{- include "bolttickets.serviceAccountName" . }}
{{- end }}
{{- end }}

{{/* Probes on a port's real health endpoints: started once alive (up to two minutes for a
     cold start), restarted when no longer alive, sent traffic only while ready.
     Call with (list "http" "/health/live" "/health/ready"). */}}
{{- define "bolttickets.probes" -}}
{{- $port := index . 0 -}}
startupProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  periodSeconds: 2
  timeoutSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: {{ index . 2 }}, port: {{ $port }}}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end }}

{{/* The replica count, left to the autoscaler when one owns it. Call with (list values owned). */}}
{{- define "bolttickets.replicas" -}}
{{- if not (index . 1) -}}
replicas: {{ (index . 0).replicas }}
{{- end }}
{{- end }}

{{/* The web image's own nginx.conf (deploy/docker/nginx.conf, through files/nginx.conf), its
     upstream `api:8000` (compose's name) replaced by this release's API Service. */}}
{{- define "bolttickets.nginxConf" -}}
{{- $conf := .Files.Get "files/nginx.conf" }}
{{- $upstream := "server api:8000;" }}
{{- if not (contains $upstream $conf) }}
{{- fail (printf "files/nginx.conf (deploy/docker/nginx.conf) is missing or no longer has `%s`" $upstream) }}
{{- end }}
{{- $api := printf "server %s-api.%s.svc:%d;" (include "bolttickets.fullname" .) .Release.Namespace (int .Values.api.port) }}
{{- replace $upstream $api $conf }}
{{- end }}

{{/* kube-score's pull-policy check wants Always; the chart's images are pinned by a
     version tag or a digest, which never changes what it names, so IfNotPresent pulls no
     less and spares the registry a request per pod start. */}}
{{- define "bolttickets.kubeScoreIgnores" -}}
kube-score/ignore: container-image-pull-policy
{{- end }}

{{/* A pod serving requests through a Service keeps serving a few seconds after it is told
     to stop: the endpoints and the ingress controller take that long to stop sending it new
     requests, which would otherwise fail during every rolling update. */}}
{{- define "bolttickets.drainBeforeStop" -}}
lifecycle:
  preStop:
    sleep: {seconds: 5}
{{- end }}
