"""aiogram adapters for the interfaces the services use."""
