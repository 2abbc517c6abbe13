"""A reviewed multilingual FAQ: staff write entries from answered questions, members browse
them and are offered matching ones before a question is sent. No aiogram here."""
