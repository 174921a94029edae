"""The HTTP and WebSocket entry point. Thin: requests in, service calls out."""
