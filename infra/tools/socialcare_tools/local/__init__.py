"""The local stack: socialcare on one machine, with moto as the embedded AWS."""
