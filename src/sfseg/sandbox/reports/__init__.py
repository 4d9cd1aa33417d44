"""Reports (Analytics) API in the sandbox: report types, stored reports and runs."""
