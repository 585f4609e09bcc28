"""Notifications to agents: in-app (realtime), email, Telegram and the outbound webhooks."""
