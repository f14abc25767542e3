"""Contacts: logging a check-in (services, selectors, forms, views, urls), urgent-concern
alerts and acknowledgement, hours and streaks."""
