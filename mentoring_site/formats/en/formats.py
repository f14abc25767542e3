"""One way to write a time across the site: "10:51 AM", "12:00 AM" (never "00:00" or "a.m.").

Django's English formats write times as "10:51 a.m." and "midnight"; templates that format
explicitly use the same "g:i A". Dates keep Django's English default ("Nov. 29, 2026") where a
template does not choose one.
"""

from django.conf.locale.en.formats import *  # noqa: F403 - Django's English formats, then ours

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
