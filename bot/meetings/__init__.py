"""Pool meetings: a coordinator plans one, members answer Yes · Maybe · No with their needs,
get a calendar file and reminders; coordinators see counts, attendees and check them in.

rules.py (limits, the one-line form), calendar.py (.ics), texts.py (what members read, per
language), service.py (use cases, region-scoped and audited), jobs.py (reminders from the
leader's scheduler), export.py (CSV), views.py (buttons; the only module with aiogram).
"""
