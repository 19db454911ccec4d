"""Admin of the inventory app."""
