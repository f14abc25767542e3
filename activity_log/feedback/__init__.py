"""Resident feedback on mentoring, asked through one-time links (issue 17).

Self-contained: models (re-exported from activity_log/models.py so migrations stay in
activity_log), services, selectors, forms, views and urls of its own. The rest of activity_log
only calls in: the contact service (fourth contact), handlers.py (pairing ended),
privacy/retention.py (comments cleared), the dashboard (one card) and urls.py (one include).
"""
