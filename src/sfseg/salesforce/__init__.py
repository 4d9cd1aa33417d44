"""salesforce layer."""
