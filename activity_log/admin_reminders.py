"""Reminder outbox admin (reminders issue)."""
