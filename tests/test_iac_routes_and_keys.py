"""Routes the way AWS builds them and KMS aliases (issue 13, points 2 and 3), in CloudFormation;
the Terraform side is judged on real plans in test_iac_real_plans.py."""

import json

import pytest

from scanner.cli import main

ACCOUNT = "123456789012"


def _judge(tmp_path, text, controls):
    path, out = tmp_path / "stack.yaml", tmp_path / "results.json"
    path.write_text(text)
    argv = ["iac", str(path), "--account-id", ACCOUNT, "--region", "eu-west-1"]
    code = main([*argv, "--controls", controls, "--format", f"json={out}"])
    return code, {r["resource_name"]: r for r in json.loads(out.read_text())["results"]}


def _repository(key: str) -> str:
    return (
        "Resources:\n"
        "  Alias:\n    Type: AWS::KMS::Alias\n    Properties:\n"
        "      AliasName: alias/from-the-stack\n      TargetKeyId: 1234abcd\n"
        "  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      RepositoryName: team/api\n"
        f"      EncryptionConfiguration: {{EncryptionType: KMS, KmsKey: {key}}}\n"
    )


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("alias/ecr-key", "PASS"),
        ("arn:aws:kms:eu-west-1:123456789012:alias/ecr-key", "PASS"),
        ("!Ref Alias", "PASS"),
        ("alias/aws/ecr", "FAIL"),
        ("arn:aws:kms:eu-west-1:123456789012:alias/aws/ecr", "FAIL"),
        ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd", "ERROR"),  # whose key is unknown
    ],
)
def test_kms_aliases_name_their_key_manager(tmp_path, key, status):
    _, cells = _judge(tmp_path, _repository(key), "ecr-kms-cmk")
    assert cells["team/api"]["status"] == status, cells["team/api"]["reason"]


NETWORK = """Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Private:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: eu-west-1a}
  PrivateTable:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  Spare:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  PrivateAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Private, RouteTableId: !Ref PrivateTable}
  Out:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref %s
      DestinationCidrBlock: 0.0.0.0/0
      %s: !ImportValue shared-egress
"""


@pytest.mark.parametrize(
    ("table", "target", "status"),
    [
        ("PrivateTable", "GatewayId", "ERROR"),  # could be an internet gateway: it decides
        ("Spare", "GatewayId", "FAIL"),  # no subnet uses the table: the subnet stays private
        ("PrivateTable", "NatGatewayId", "FAIL"),  # a NAT is never an internet gateway
        ("PrivateTable", "TransitGatewayId", "FAIL"),
    ],
)
def test_a_route_is_error_only_when_its_unknown_target_decides(tmp_path, table, target, status):
    _, cells = _judge(tmp_path, NETWORK % (table, target), "vpc-ecr-endpoints")
    vpc = cells["Vpc"]
    assert vpc["status"] == status, vpc["reason"]
    if status == "FAIL":  # private, and so judged: no endpoints at all
        assert "missing ecr.api interface endpoint" in vpc["reason"]
    if status == "ERROR":
        assert "Out.GatewayId" in vpc["reason"] and "Fn::ImportValue" in vpc["reason"]
