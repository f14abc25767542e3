from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mentoring_site import accounts, offline, views
from mentoring_site.sms import views as sms_views

# The admin signs in through allauth's login (two-factor step, rate limits): Django's own admin
# login form, which checks a password and nothing else, is never shown.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("no-role/", views.no_role, name="no_role"),
    # The footer's language switcher (Django's set_language, POST only) and one's own choice.
    path("i18n/", include("django.conf.urls.i18n")),
    path("me/language/", views.my_language, name="my_language"),
    # The installable mentor pages: the service worker must be served above the pages it serves.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.web_manifest, name="web_manifest"),
    # allauth's email page, behind a check that the own address is on record (accounts.py).
    path("accounts/email/", accounts.email_page, name="account_email"),
    # Email or text, and the phone's 6-digit code (mentoring_site/sms).
    path("accounts/reminders/", sms_views.text_settings, name="text_settings"),
    # allauth's sign-out, plus Clear-Site-Data (mentoring_site/offline.py).
    path("accounts/logout/", offline.logout, name="account_logout"),
    path("accounts/", include("allauth.urls")),
    # The SMS provider's incoming-message webhook (STOP / START), signature checked.
    path("sms/inbound/", sms_views.inbound, name="sms_inbound"),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("mentors/", include("mentors.urls")),
    path("matching/", include("matching.urls")),
    path("groups/", include("activity_log.groups.urls")),
    path("", include("activity_log.urls")),
]
