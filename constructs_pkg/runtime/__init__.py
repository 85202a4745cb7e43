"""Code that runs both at synth time and inside the library's Lambda functions.

Standard library and boto3 only: nothing here may import aws_cdk, because Lambda has no CDK.
"""
