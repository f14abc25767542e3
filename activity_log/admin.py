"""Admin for activity_log. Reminder's admin lives in admin_reminders.py (reminders issue)."""

from activity_log import admin_reminders  # noqa: F401 - registers ReminderAdmin
