"""The licensor portal: licences, approvals, sales and royalty figures, statements."""
