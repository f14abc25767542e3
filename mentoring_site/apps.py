from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringSiteConfig(AppConfig):
    name = "mentoring_site"
    verbose_name = _("Accounts and audit")

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from mentoring_site import security

        user_logged_in.connect(security.on_user_logged_in, dispatch_uid="privacy_session_policy")
        mfa_signals.authenticator_added.connect(
            security.on_authenticator_added, dispatch_uid="privacy_mfa_added"
        )
        mfa_signals.authenticator_removed.connect(
            security.on_authenticator_removed, dispatch_uid="privacy_mfa_removed"
        )
