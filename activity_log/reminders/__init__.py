"""The reminder outbox: the overdue scan (scan.py), the sender (send.py), the emails
(emails.py) and the admin (docs/reminders.md)."""
