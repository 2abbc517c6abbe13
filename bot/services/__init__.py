"""Domain services: plain async functions taking a session and data, never aiogram objects.

They flush but never commit: the caller's unit of work (one per update or job) commits. A use
case that owns its transaction (e.g. `privacy.forget`) commits once, then speaks through the
`bot.messenger.Messenger` it receives.
"""
