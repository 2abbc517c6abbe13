"""Retention: each kind of data is kept only as long as the settings say (see service.py)."""
