{{/* A Deployment of the app image: the API (`serve`) or the workers (`worker`), which
     differ only in their command, port, autoscaler and draining. Call with a dict: root,
     component, values, command, portName, autoscaled (an autoscaler owns the replica
     count), servesRequests (through a Service, so it drains before it stops), and for the
     API its internal metrics port (values.metricsPort). */}}
{{- define "bolttickets.appDeployment" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- $values := .values }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "bolttickets.fullname" $root }}-{{ $component }}
  labels:
    {{- include "bolttickets.componentLabels" (list $root $component) | nindent 4 }}
  annotations:
    {{- include "bolttickets.kubeScoreIgnores" $root | nindent 4 }}
spec:
  {{- include "bolttickets.replicas" (list $values .autoscaled) | nindent 2 }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  selector:
    matchLabels:
      {{- include "bolttickets.componentSelectorLabels" (list $root $component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "bolttickets.podLabels" (list $root $component true) | nindent 8 }}
      annotations:
        {{- include "bolttickets.podAnnotations" (list $root (include "bolttickets.appChecksums" $root | fromJson)) | nindent 8 }}
    spec:
      {{- include "bolttickets.podSpecCommon" (list $root (include "bolttickets.serviceAccountName" $root) 10001) | nindent 6 }}
      containers:
        - name: {{ $component }}
          image: {{ include "bolttickets.image" (list $root $root.Values.image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ .command }}, --host, 0.0.0.0, --port, {{ $values.port | quote }}
            {{- with $values.metricsPort }}, --metrics-host, 0.0.0.0, --metrics-port, {{ . | quote }}{{ end }}]
          ports:
            - name: {{ .portName }}
              containerPort: {{ $values.port }}
            {{- with $values.metricsPort }}
            - name: metrics
              containerPort: {{ . }}
            {{- end }}
          envFrom:
            {{- include "bolttickets.envFrom" $root | nindent 12 }}
          {{- include "bolttickets.probes" (list .portName "/health/live" "/health/ready") | nindent 10 }}
          {{- if .servesRequests }}
          {{- include "bolttickets.drainBeforeStop" . | nindent 10 }}
          {{- end }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- include "bolttickets.containerSecurityContext" 10001 | nindent 12 }}
          volumeMounts:
            {{- include "bolttickets.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "bolttickets.volumes" (list $root (include "bolttickets.fullname" $root)) | nindent 8 }}
      {{- include "bolttickets.topologySpread" (list $root $component) | nindent 6 }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
