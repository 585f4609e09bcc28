"""Models of the announcements app."""
