"""The generic "API" channel: integrations post messages as JSON."""
