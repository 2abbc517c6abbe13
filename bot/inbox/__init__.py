"""The update inbox: updates are stored before Telegram is told they arrived, then handled
from the store (at least once, one chat's updates in order); see bot.inbox.store."""
