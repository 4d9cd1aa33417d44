"""soql layer."""
