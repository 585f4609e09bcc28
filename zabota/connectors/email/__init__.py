"""Email channel. `reply` separates a customer's new text from quoted history and signatures."""
