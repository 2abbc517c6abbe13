"""Domain services: plain async functions taking a session and data, never aiogram objects.

They flush but never commit: the caller's unit of work (one per update or job) commits.
"""
