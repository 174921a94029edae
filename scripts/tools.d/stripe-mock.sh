# stripe-mock: Stripe's API served from its OpenAPI specification, validating every call;
# the Stripe payment adapter's tests (tests/contract/test_payments.py) run against it.
VERSION=v0.203.0
BINARIES=(stripe-mock)
install_tool() { go_install "github.com/stripe/stripe-mock@$VERSION"; }
