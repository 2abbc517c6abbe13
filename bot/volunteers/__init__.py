"""Volunteer translators from the pools (language buddies)."""
