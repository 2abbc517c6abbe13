"""Development tools that do not ship with the bot (translator export/import)."""
