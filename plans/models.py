"""Models of the plans app arrive with their own issue."""
