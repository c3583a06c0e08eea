"""Tools for developers and the local stack: event builders, local secrets, samples."""
