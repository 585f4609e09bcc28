"""Agent workspace pages of conversations: the inbox and the conversation page."""
