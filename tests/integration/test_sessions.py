"""The sessions' black-box tests on the embedded server (in-memory sessions and pub/sub):
one process, so "the other process" of each test is the same one."""

from __future__ import annotations

import pytest

from tests.stack.test_sessions import (  # noqa: F401 - collected here too
    test_a_reused_refresh_token_revokes_its_whole_session,
    test_an_expired_access_token_is_refused_and_closes_its_socket,
    test_an_open_socket_is_closed_when_its_session_is_logged_out,
    test_bad_refresh_tokens_are_401_problems,
    test_logout_all_ends_every_session_of_the_user_only,
    test_logout_refuses_the_old_access_token_on_another_process,
    test_refresh_rotates_the_pair_and_both_processes_accept_the_new_token,
    test_the_web_page_refreshes_with_its_cookie_scoped_to_the_auth_calls,
)
from tests.support import Api


@pytest.fixture(scope="module")
def other(api: Api) -> Api:
    return api
