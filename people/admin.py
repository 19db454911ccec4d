"""Admin of the people app."""
