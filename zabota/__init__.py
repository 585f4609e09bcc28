"""Zabota: customer service and customer experience for online stores."""
