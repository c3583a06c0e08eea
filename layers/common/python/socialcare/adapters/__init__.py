"""The only modules that import boto3."""
