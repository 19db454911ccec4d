"""Admin of the assets app."""
