"""Security regression tests: each performs an attack through the URLs (issue 13)."""

import time

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY


def password_only_session(client, user) -> None:
    """A signed-in session whose only recorded step is the password, as allauth records it:
    what a sign-in that skipped the code step (or a session from before the gate) looks like."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email}
    ]
    session.save()
