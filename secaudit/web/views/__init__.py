"""Views by role: auth (login, language), agency, inspector, department; errors and static files."""
