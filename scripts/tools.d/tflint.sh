# TFLint with its bundled terraform ruleset: lints deploy/terraform/{aws,azure} (tests/deploy).
VERSION=v0.64.0
BINARIES=(tflint)
install_tool() { go_install "github.com/terraform-linters/tflint@$VERSION"; }
