"""The store: tables, connections, plain reads, the audit trail, migrations and backups."""
