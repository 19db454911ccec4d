"""Models of the orders app arrive with their own issue."""
