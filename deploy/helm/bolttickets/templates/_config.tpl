{{/* The non-secret BOLT_* settings, shared by the ConfigMap and the migrations' hook copy. */}}
{{- define "bolttickets.configData" -}}
{{- $app := .Values.app }}
{{- $kafka := .Values.kafka -}}
BOLT_ENV: {{ $app.env | quote }}
BOLT_LOG_LEVEL: {{ $app.logLevel | quote }}
BOLT_LOG_JSON: {{ $app.logJson | quote }}
BOLT_COOKIE_SECURE: {{ $app.cookieSecure | quote }}
BOLT_JWT_TTL_SECONDS: {{ $app.jwtTtlSeconds | quote }}
BOLT_REFRESH_TTL_SECONDS: {{ $app.refreshTtlSeconds | quote }}
BOLT_REDIS_PREFIX: {{ $app.redisPrefix | quote }}
{{- with $app.adminEmail }}
BOLT_ADMIN_EMAIL: {{ . | quote }}
{{- end }}
BOLT_WORKER_BATCH_SIZE: {{ $app.workerBatchSize | quote }}
BOLT_WORKER_LINGER_MS: {{ $app.workerLingerMs | quote }}
BOLT_SWEEP_AFTER_SECONDS: {{ $app.sweepAfterSeconds | quote }}
BOLT_RECONCILE_EVERY_SECONDS: {{ $app.reconcileEverySeconds | quote }}
BOLT_REALTIME_WINDOW_MS: {{ $app.realtimeWindowMs | quote }}
BOLT_WAITING_ROOM_TICK_MS: {{ $app.waitingRoomTickMs | quote }}
{{- with $app.trustedProxies }}
BOLT_TRUSTED_PROXIES: {{ . | quote }}
{{- end }}
BOLT_KAFKA_BOOTSTRAP: {{ required "kafka.bootstrap is required: the chart runs the full stack" $kafka.bootstrap | quote }}
BOLT_KAFKA_TOPIC: {{ $kafka.topic | quote }}
BOLT_KAFKA_PARTITIONS: {{ $kafka.partitions | quote }}
BOLT_CONSUMER_GROUP: {{ $kafka.consumerGroup | quote }}
BOLT_KAFKA_DELIVERY_TIMEOUT_MS: {{ $kafka.deliveryTimeoutMs | quote }}
BOLT_KAFKA_STALL_AFTER_SECONDS: {{ $kafka.stallAfterSeconds | quote }}
BOLT_KAFKA_SECURITY_PROTOCOL: {{ $kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $kafka.securityProtocol }}
BOLT_KAFKA_SASL_MECHANISM: {{ required "kafka.saslMechanism is required with a SASL_* kafka.securityProtocol" $kafka.saslMechanism | quote }}
BOLT_KAFKA_SASL_USERNAME: {{ required "kafka.saslUsername is required with a SASL_* kafka.securityProtocol" $kafka.saslUsername | quote }}
{{- end }}
{{- with $kafka.replicationFactor }}
BOLT_KAFKA_REPLICATION_FACTOR: {{ . | quote }}
{{- end }}
{{- with $kafka.minInsyncReplicas }}
BOLT_KAFKA_MIN_INSYNC_REPLICAS: {{ . | quote }}
{{- end }}
{{- if .Values.tracing.enabled }}
BOLT_OTLP_ENDPOINT: {{ required "tracing.otlpEndpoint is required when tracing.enabled" .Values.tracing.otlpEndpoint | quote }}
BOLT_TRACE_SAMPLE_RATIO: {{ .Values.tracing.sampleRatio | quote }}
{{- end }}
{{- end }}

{{/* Metadata of a copy made for the migrations hook: it runs before the release's own
     resources exist on a first install, so it brings what it reads. Call with
     (list $ annotations), the copy's own annotations besides the hook's. */}}
{{- define "bolttickets.hookMetadata" -}}
labels:
  {{- include "bolttickets.componentLabels" (list (index . 0) "migrations") | nindent 2 }}
annotations:
  helm.sh/hook: pre-install,pre-upgrade
  helm.sh/hook-weight: "-10"
  helm.sh/hook-delete-policy: before-hook-creation
  {{- with index . 1 }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "bolttickets.migrationsName" -}}
{{- printf "%s-migrations" (include "bolttickets.fullname" .) }}
{{- end }}
