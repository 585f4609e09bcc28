"""Announcements for agents (site changes, new products, delays, outages) with read receipts."""
