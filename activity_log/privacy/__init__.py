"""Privacy: the audit viewer and retention (anonymising residents after exit, forgetting
audit IPs) with its tasks (docs/privacy.md)."""
