"""Admin of the plans app."""
