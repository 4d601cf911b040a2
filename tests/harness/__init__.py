"""What a test run needs before its first test: its own services and a preflight check."""
