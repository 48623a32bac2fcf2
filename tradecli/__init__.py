"""tradecli: bilateral trade-turnover analytics from published statistics."""
