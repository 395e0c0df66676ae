__version__ = "0.1.0"

# Every report says it, in these words.
NOT_LEGAL_ADVICE = "licensegraph reports license facts and rule outcomes; it is not legal advice."
