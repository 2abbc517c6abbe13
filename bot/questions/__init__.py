"""Members' questions about life in the Netherlands and the coordinators' inbox."""
