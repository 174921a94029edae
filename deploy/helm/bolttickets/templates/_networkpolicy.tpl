{{/* An egress rule to a managed service outside the cluster. An empty `to` would allow
     every destination, so it is refused. Call with (list $ "postgres"). */}}
{{- define "bolttickets.egressToService" -}}
{{- $name := index . 1 }}
{{- $service := index (index . 0).Values.networkPolicy $name }}
{{- if not $service.to }}
{{- fail (printf "networkPolicy.%s.to must name where %s is (e.g. an ipBlock), or set networkPolicy.enabled=false" $name $name) }}
{{- end -}}
- to:
    {{- toYaml $service.to | nindent 4 }}
  ports:
    {{- range $service.ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
{{- end }}

{{/* An ingress rule from a component of this release to `port`. Call with (list $ "web" port). */}}
{{- define "bolttickets.ingressFromComponent" -}}
- from:
    - podSelector:
        matchLabels:
          {{- include "bolttickets.componentSelectorLabels" (list (index . 0) (index . 1)) | nindent 10 }}
  ports:
    - {port: {{ index . 2 }}, protocol: TCP}
{{- end }}

{{/* An ingress rule from configured peers; nothing when there are none, since an empty
     `from` would allow every source. Call with (list peers port). */}}
{{- define "bolttickets.ingressFromPeers" -}}
{{- with index . 0 -}}
- from:
    {{- toYaml . | nindent 4 }}
  ports:
    - {port: {{ index $ 1 }}, protocol: TCP}
{{- end }}
{{- end }}
