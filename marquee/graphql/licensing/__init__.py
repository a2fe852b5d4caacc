"""The licence register's API: licensors, properties, licences, royalty terms, approvals."""
