"""Records: the answers and feedback the service keeps, and the report on unanswered questions."""
