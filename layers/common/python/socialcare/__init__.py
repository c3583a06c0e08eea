"""socialcare: a serverless customer-care desk for brands on social networks.

The package is shipped to Lambda as the common layer (``/opt/python/socialcare``) and
installed into the local ``.venv`` in editable mode, so the functions, the tests and the
``socialcare`` command all import the same code.
"""
