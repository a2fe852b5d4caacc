"""The member portal: backer programmes, memberships, perks and codes."""
