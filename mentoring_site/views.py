from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mentoring_site import liveness
from mentoring_site.models import User
from mentoring_site.roles import home_url_name

logger = logging.getLogger(__name__)

# "starting": a fresh install whose worker or beat has not stamped its first heartbeat yet.
HEALTHY = {"ok", "starting"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role has its own home: managers and admins the dashboard, mentors their mentees."""
    return redirect(home_url_name(request.user))


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "no_role.html")


class LanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["preferred_language"]
        labels = {"preferred_language": gettext_lazy("Language")}
        help_texts = {
            "preferred_language": gettext_lazy(
                "For these pages, your reminder emails and texts, on every device you use."
            )
        }
        widgets = {"preferred_language": forms.RadioSelect}


@login_required
def my_language(request: HttpRequest) -> HttpResponse:
    """Anyone signed in chooses their language (mentors can also on My profile)."""
    form = LanguageForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.instance.save(update_fields=["preferred_language"])
        code = request.user.preferred_language or translation.get_language_from_request(request)
        with translation.override(code):
            messages.success(request, _("Your language is saved."))
        response = redirect("my_language")
        # Signed out later, the sign-in page stays in the chosen language.
        if request.user.preferred_language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                request.user.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
    return render(request, "my_language.html", {"form": form})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("healthz: database check failed: %s", type(exc).__name__)
        return "down"
    return "ok"


def _check_broker() -> str:
    from mentoring_site.celery import app

    try:
        # Bounded by the broker socket timeouts (REDIS_TIMEOUT_SECONDS): a frozen Redis is "down".
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.REDIS_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("healthz: broker check failed: %s", type(exc).__name__)
        return "down"
    return "ok"


def _check_background() -> dict[str, liveness.ProcessStatus]:
    try:
        return liveness.background_status()
    except Exception as exc:  # noqa: BLE001 - the database check above reports the cause
        logger.warning("healthz: heartbeat check failed: %s", type(exc).__name__)
        unknown = liveness.ProcessStatus("unknown", None)
        return {process.value: unknown for process in liveness.Process}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, worker and beat; 503 naming what is not "ok" (docs/reliability.md)."""
    status = {"database": _check_database(), "broker": _check_broker()}
    background = _check_background() if status["database"] == "ok" else {}
    for process in liveness.Process:
        status[process.value] = background[process.value].status if background else "unknown"
    healthy = all(value in HEALTHY for value in status.values())
    body = {
        **status,
        "seconds_since": {name: check.age_seconds for name, check in background.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
