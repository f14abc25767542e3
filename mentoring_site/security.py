"""Staff two-factor and per-role session lifetimes.

(The security headers are settings: Django sends HSTS, nosniff, X-Frame-Options and
Referrer-Policy, django-csp the Content-Security-Policy, django-permissions-policy the
Permissions-Policy.)

- `StaffSessionMiddleware`:
  * program admins and house managers must have passed their second factor (TOTP or a recovery
    code) in this session before any URL but the few named in `BEFORE_SECOND_FACTOR` (allauth
    records every authentication step in the session). A staff account with no authenticator at
    all may also reach first-time enrolment (`FIRST_ENROLMENT`); everything else, allauth's own
    account pages included (recovery codes, removing TOTP, email, password, reauthentication),
    waits for the second factor. The lists are URL names, so no prefix can open more than meant;
    static files never get here (whitenoise answers them first) and an unknown path is a 404;
  * staff sessions end after `STAFF_IDLE_TIMEOUT` without a request; mentors stay signed in for
    `MENTOR_SESSION_AGE` from sign-in unless they sign out.
  A staff session that passed its second factor costs no query: the role comes from `role_of`,
  which views need anyway and which caches on the user. The session is written at most once a
  minute.

The signal receivers are connected in `MentoringSiteConfig.ready()`.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    record_authentication,
)
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mentoring_site.i18n import language_for
from mentoring_site.roles import Role, role_of

LAST_SEEN_KEY = "privacy_last_seen"
POLICY_KEY = "privacy_session_policy"
# How stale `last_seen` may get before we write the session again: one write a minute at most.
LAST_SEEN_WRITE_INTERVAL = 60

# URL names a staff session may reach before it has passed its second factor: signing in and
# out, and the code step itself (a TOTP code or a recovery code).
BEFORE_SECOND_FACTOR = frozenset(
    {
        "account_login",
        "account_logout",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "healthz",
        # The footer's language switcher: sets the language cookie, nothing else.
        "set_language",
        # The service worker script and the web app manifest: public files with no data.
        "service_worker",
        "web_manifest",
        # A resident's one-time feedback / recovery-check link: public, shows no staff data, and
        # may be opened on a phone where a manager is signed in.
        "activity_log:feedback_form",
        "activity_log:assessment_by_link",
    }
)
# ...and, only for a staff account with no authenticator at all, first-time enrolment (allauth
# asks for the password again first: a sign-in does not count as a reauthentication).
FIRST_ENROLMENT = frozenset({"mfa_activate_totp", "account_reauthenticate"})


def is_staff(user) -> bool:
    return role_of(user) in (Role.ADMIN, Role.MANAGER)


def passed_mfa(request: HttpRequest) -> bool:
    """True when allauth recorded a completed TOTP/recovery-code step for this user's session."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exists()


def _policy_for(user) -> tuple[str, int]:
    if is_staff(user):
        return "staff", int(settings.STAFF_IDLE_TIMEOUT.total_seconds())
    return "member", int(settings.MENTOR_SESSION_AGE.total_seconds())


def apply_session_policy(request: HttpRequest, user) -> None:
    """Staff: idle expiry (the cookie age is renewed with each write). Others: a fixed age."""
    policy, seconds = _policy_for(user)
    request.session[POLICY_KEY] = policy
    request.session[LAST_SEEN_KEY] = int(time.time())
    if policy == "staff":
        request.session.set_expiry(seconds)
    else:
        # An absolute end: fourteen days after sign-in, however often the session is saved.
        request.session.set_expiry(timezone.now() + settings.MENTOR_SESSION_AGE)


def _gate_redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        # A redirect inside an htmx swap would paste the set-up page into a slot.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and is_staff(request.user):
            early = self._check_idle(request)
            if early is not None:
                return early
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            # allauth's login form sets "expire at browser close" after signing in: put ours back.
            session = request.session
            if session.get(POLICY_KEY) is None or session.get("_session_expiry") in (None, 0):
                apply_session_policy(request, user)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        """The two-factor gate; runs once the URL is resolved, so it goes by the URL's name."""
        user = request.user
        if not user.is_authenticated or not is_staff(user) or passed_mfa(request):
            return None
        name = request.resolver_match.view_name
        if name in BEFORE_SECOND_FACTOR:
            return None
        enrolled = has_authenticator(user)
        if not enrolled and name in FIRST_ENROLMENT:
            return None
        return self._send_to_mfa(request, enrolled=enrolled)

    def _check_idle(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        last_seen = session.get(LAST_SEEN_KEY)
        idle = settings.STAFF_IDLE_TIMEOUT.total_seconds()
        if last_seen is not None and now - last_seen > idle:
            logout(request)
            messages.info(request, "You were signed out after 30 minutes without activity.")
            login = reverse("account_login")
            if request.method != "GET":
                # Coming back to a form's address after signing in would answer 405.
                return _gate_redirect(request, login)
            return _gate_redirect(request, f"{login}?{urlencode({'next': request.path})}")
        if last_seen is None or now - last_seen >= LAST_SEEN_WRITE_INTERVAL:
            session[LAST_SEEN_KEY] = now
        return None

    def _send_to_mfa(self, request: HttpRequest, *, enrolled: bool) -> HttpResponse:
        query = urlencode({"next": request.get_full_path()})
        if enrolled:
            # Signed in without the code step (e.g. an old session): a TOTP or recovery code first.
            return _gate_redirect(request, f"{reverse('mfa_reauthenticate')}?{query}")
        messages.info(
            request,
            "Staff accounts need two-factor authentication. Set up an authenticator app to continue.",
        )
        return _gate_redirect(request, f"{reverse('mfa_activate_totp')}?{query}")


# --- Signal receivers (connected in apps.py) ----------------------------------------------------


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    apply_session_policy(request, user)
    # From here on this request speaks the person's language (their choice, not the sign-in
    # page's), so the messages added now, ours and allauth's "signed in", are in it too.
    code = language_for(user)
    if code:
        translation.activate(code)
        request.LANGUAGE_CODE = code
    if role_of(user) == Role.MENTOR and not has_authenticator(user):
        messages.info(
            request,
            gettext("Tip: protect your account with two-factor authentication under Security."),
            fail_silently=True,
        )


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """First-time enrolment proves the second factor: the staff gate opens for this session.

    Only first-time: if the account had an authenticator before this one (any older row; the
    recovery codes made with this TOTP come after it), adding another proves nothing, so the
    session must still pass a code from an authenticator it already had. The gate keeps such a
    session away from enrolment anyway; this holds even if a path to it opened.
    """
    from allauth.mfa.models import Authenticator

    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    if Authenticator.objects.filter(user=user, pk__lt=authenticator.pk).exists():
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    """Without TOTP the session no longer counts as two-factor: staff must set it up again."""
    if request is None or authenticator.type != authenticator.Type.TOTP:
        return
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if isinstance(records, list):
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            r for r in records if r.get("method") != "mfa"
        ]
