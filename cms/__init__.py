"""Project configuration: settings read from the environment, URL routing, system checks."""
