"""The passwords a new account may choose, after NIST SP 800-63B (5.1.1.2): long enough,
not one of the passwords attackers try first, and no composition rules (they make
passwords harder to remember, not to guess)."""

from __future__ import annotations

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
"""NIST's minimum for a password chosen by its user."""
MAX_LENGTH = 256
"""Above NIST's 64 so passphrases and password managers fit; argon2 hashes any length, and
this bounds what one login costs."""

# zxcvbn's list: the 30,000 most common passwords of leaked password dumps, lower case.
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])


def refuse_common(password: str) -> str:
    """A pydantic validator: a common password is a 422 naming the rule, not the password."""
    if password.lower() in _COMMON:
        raise ValueError("this password is one of the most common ones; choose another")
    return password
