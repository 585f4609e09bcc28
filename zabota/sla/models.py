"""Models of the sla app."""
