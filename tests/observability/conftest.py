from tests.stack.conftest import api, stack, stack_env  # noqa: F401 - the stack's fixtures
