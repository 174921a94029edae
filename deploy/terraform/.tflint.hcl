# TFLint for both clouds: every rule of the bundled terraform ruleset (naming, typed and
# documented variables and outputs, pinned versions, unused declarations, module layout).
# The AWS and Azure rulesets are plugins downloaded at run time, which the checks do not do.

config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
