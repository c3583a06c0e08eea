"""Platform wire formats: raw payload models, signatures, normalisation to our models."""
