"""Pure business rules. Imports nothing from adapters, api or worker."""
