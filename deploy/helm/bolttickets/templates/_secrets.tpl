{{/* The Secret the migrations hook reads: its own copy when the chart makes the Secret. */}}
{{- define "bolttickets.migrationsSecretName" -}}
{{- include "bolttickets.secretNameFor" (list . (include "bolttickets.migrationsName" .)) }}
{{- end }}

{{- define "bolttickets.secretData" -}}
{{- $values := .Values.secrets.values }}
{{- range $key := list "BOLT_DATABASE_URL" "BOLT_REDIS_URL" "BOLT_JWT_SECRET" }}
{{ $key }}: {{ required (printf "secrets.values.%s is required without secrets.existingSecret or secretsStore" $key) (index $values $key) | b64enc | quote }}
{{- end }}
{{- with $values.BOLT_ADMIN_PASSWORD }}
BOLT_ADMIN_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- with $values.BOLT_ADMISSION_PASS_SECRET }}
BOLT_ADMISSION_PASS_SECRET: {{ . | b64enc | quote }}
{{- end }}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}
BOLT_KAFKA_SASL_PASSWORD: {{ required "secrets.values.BOLT_KAFKA_SASL_PASSWORD is required with a SASL_* kafka.securityProtocol" $values.BOLT_KAFKA_SASL_PASSWORD | b64enc | quote }}
{{- end }}
{{- end }}

{{/* A SecretProviderClass syncing the vault's secrets into Secret `secretName`.
     Call with (list $ name secretName). */}}
{{- define "bolttickets.secretProviderClassSpec" -}}
{{- $root := index . 0 }}
{{- $store := $root.Values.secretsStore }}
{{- if not $store.objects }}
{{- fail "secretsStore.objects must name the vault's secret of each BOLT_* variable" }}
{{- end -}}
provider: {{ $store.provider }}
secretObjects:
  - secretName: {{ index . 2 }}
    type: Opaque
    data:
      {{- range $store.objects }}
      - key: {{ .key }}
        objectName: {{ .objectName }}
      {{- end }}
parameters:
  {{- if eq $store.provider "azure" }}
  usePodIdentity: "false"
  clientID: {{ required "secretsStore.azure.clientId is required" $store.azure.clientId | quote }}
  keyvaultName: {{ required "secretsStore.azure.keyvaultName is required" $store.azure.keyvaultName | quote }}
  tenantId: {{ required "secretsStore.azure.tenantId is required" $store.azure.tenantId | quote }}
  objects: |
    array:
    {{- range $store.objects }}
      - |
        objectName: {{ .objectName }}
        objectType: secret
    {{- end }}
  {{- else }}
  region: {{ required "secretsStore.aws.region is required" $store.aws.region | quote }}
  objects: |
    {{- range $store.objects }}
    - objectName: {{ .objectName | quote }}
      objectType: secretsmanager
    {{- end }}
  {{- end }}
{{- end }}
