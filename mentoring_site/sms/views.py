"""The "Reminders" page (email or text, and the phone's code) and the provider's STOP webhook."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mentoring_site.models import TextOptOut
from mentoring_site.sms import verification
from mentoring_site.sms.forms import CodeForm, TextPreferenceForm
from mentoring_site.sms.phone import display, e164_or_none, masked

logger = logging.getLogger(__name__)

# The opt-out and opt-in words carriers and Twilio recognise (Twilio's Advanced Opt-Out).
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _send_code(request: HttpRequest) -> bool:
    try:
        verification.code_send(user=request.user)
    except verification.Throttled as exc:
        messages.info(
            request,
            gettext("A code was sent a moment ago: you can ask again in %(seconds)s s.")
            % {"seconds": exc.seconds},
        )
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    except Exception as exc:  # noqa: BLE001 - the provider is down: say so, let them retry
        logger.warning("verification code could not be sent: %s", type(exc).__name__)
        messages.error(
            request, gettext("We could not send the code just now. Try again in a minute.")
        )
        return False
    messages.success(request, gettext("We texted you a 6-digit code."))
    return True


@login_required
def text_settings(request: HttpRequest) -> HttpResponse:
    """Email, text or both; the number; and its code. Every signed-in person has one."""
    preference = verification.preference_for(request.user)
    form = TextPreferenceForm(
        initial={"channel": preference.channel, "phone": display(preference.phone)}
    )
    code_form = CodeForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "save":
        form = TextPreferenceForm(request.POST)
        if form.is_valid():
            phone_changed = form.cleaned_data["phone"] != preference.phone
            preference = verification.preference_update(
                user=request.user,
                channel=form.cleaned_data["channel"],
                phone=form.cleaned_data["phone"],
            )
            messages.success(request, gettext("Saved."))
            if phone_changed and preference.phone and preference.wants_texts:
                _send_code(request)
            return redirect("text_settings")
    elif action == "send_code":
        _send_code(request)
        return redirect("text_settings")
    elif action == "verify":
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                verification.code_check(user=request.user, code=code_form.cleaned_data["code"])
            except ValidationError as exc:
                code_form.add_error("code", exc)
            else:
                messages.success(request, gettext("Your number is verified."))
                return redirect("text_settings")
        preference.refresh_from_db()
    return render(
        request,
        "account/text_settings.html",
        {
            "form": form,
            "code_form": code_form,
            "preference": preference,
            "phone_display": display(preference.phone),
            "opted_out": verification.is_opted_out(preference.phone),
            "code_pending": bool(preference.code_hash)
            and preference.code_expires_at is not None
            and preference.code_expires_at > timezone.now(),
        },
    )


def _signature_ok(request: HttpRequest) -> bool:
    """Twilio's X-Twilio-Signature over the URL it was told to call and the POSTed fields."""
    from twilio.request_validator import RequestValidator

    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    params = {key: request.POST.get(key) for key in request.POST}
    return RequestValidator(token).validate(url, params, signature)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    """The provider's incoming-message webhook: STOP (and the like) turns texts off for the
    sending number, START turns them back on. A missing or wrong signature is refused (403)."""
    if not _signature_ok(request):
        return HttpResponseForbidden("Bad signature.")
    phone = e164_or_none(request.POST.get("From", ""))
    words = request.POST.get("Body", "").strip().upper().split()
    keyword = words[0].strip(".!") if words else ""
    if phone and keyword in STOP_WORDS:
        with transaction.atomic():
            TextOptOut.objects.get_or_create(phone=phone, defaults={"stopped_at": timezone.now()})
        logger.info("texts stopped for %s", masked(phone))
    elif phone and keyword in START_WORDS:
        TextOptOut.objects.filter(phone=phone).delete()
        logger.info("texts started again for %s", masked(phone))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
