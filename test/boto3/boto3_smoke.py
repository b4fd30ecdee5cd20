"""boto3 against the emulator: run by test/boto3/boto3.test.ts with ENDPOINT set."""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ["ENDPOINT"]
ROOT = dict(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")


def client(service, **creds):
    return boto3.client(service, endpoint_url=ENDPOINT, **(creds or ROOT))


def expect_error(fn, code, message):
    try:
        fn()
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response["Error"]
        assert e.response["Error"]["Message"] == message, e.response["Error"]["Message"]
        return
    raise AssertionError(f"expected {code}")


def main():
    assert client("sts").get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"

    ecs = client("ecs")
    ecs.create_cluster(clusterName="boto")
    assert ecs.describe_clusters(clusters=["boto"])["clusters"][0]["status"] == "ACTIVE"
    td = ecs.register_task_definition(family="boto", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}])
    assert td["taskDefinition"]["taskDefinitionArn"].endswith(":task-definition/boto:1")
    expect_error(lambda: ecs.describe_task_definition(taskDefinition="nope"), "ClientException", "Unable to describe task definition.")

    iam = client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="boto-viewer", AssumeRolePolicyDocument=json.dumps(trust))
    # botocore decodes the URL-encoded document into a dict, as on AWS
    assert iam.get_role(RoleName="boto-viewer")["Role"]["AssumeRolePolicyDocument"] == trust
    iam.put_role_policy(RoleName="boto-viewer", PolicyName="describe", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}))
    iam.create_user(UserName="boto-dev")
    iam.put_user_policy(UserName="boto-dev", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="boto-dev")["AccessKey"]
    dev = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    c = client("sts", **dev).assume_role(RoleArn="arn:aws:iam::000000000000:role/boto-viewer", RoleSessionName="py")["Credentials"]
    viewer = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], region_name="us-east-1")
    client("ecs", **viewer).describe_clusters(clusters=["boto"])
    expect_error(lambda: client("ecs", **viewer).create_cluster(clusterName="nope"), "AccessDeniedException",
                 "User: arn:aws:sts::000000000000:assumed-role/boto-viewer/py is not authorized to perform: ecs:CreateCluster "
                 "on resource: arn:aws:ecs:us-east-1:000000000000:cluster/nope because no identity-based policy allows the ecs:CreateCluster action")
    expect_error(lambda: client("iam", **viewer).list_users(), "AccessDenied",
                 "User: arn:aws:sts::000000000000:assumed-role/boto-viewer/py is not authorized to perform: iam:ListUsers "
                 "on resource: * because no identity-based policy allows the iam:ListUsers action")
    print("boto3 ok")


if __name__ == "__main__":
    sys.exit(main())
