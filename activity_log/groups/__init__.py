"""Peer-led group sessions (house meetings, support groups, workshops, mentor circles):
scheduling, weekly series, attendance taken on a phone, and what they count toward."""
