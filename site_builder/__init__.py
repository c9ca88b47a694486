"""The static diary and printouts (Pelican, WeasyPrint): built by the diary and printing issues."""
