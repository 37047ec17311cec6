"""What every page shares: templating, forms, htmx rendering, errors, headers."""
