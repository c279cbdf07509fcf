"""The handlers of the transition table in `drafting.procedure`, grouped by subject."""
