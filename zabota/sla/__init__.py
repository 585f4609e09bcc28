"""Service targets: business calendars, SLA policies and the pure deadline arithmetic."""
