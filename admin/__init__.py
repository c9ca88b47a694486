"""The staff's admin panel (Flask, Flask-Admin, Flask-Login): built by the panel issue."""
