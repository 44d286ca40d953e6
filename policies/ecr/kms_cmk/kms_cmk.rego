# METADATA
# title: Repositories are encrypted with a customer-managed KMS key
# description: >-
#   AES256 encryption uses a key AWS owns, and the AWS-managed aws/ecr KMS key
#   cannot be restricted by a key policy, rotated on your schedule or disabled
#   in an incident. The repository passes when its KMS key is managed by the
#   customer (DescribeKey's KeyManager is CUSTOMER) and, when kms_key_arns is
#   configured, is on that allow-list.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-5
# custom:
#   id: ecr-kms-cmk
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     aws-fsbp: [ECR.5]
#     nist-800-53-r5: [SC-12, SC-28]
#   remediation:
#     cli: >-
#       Encryption is fixed at creation: create a new repository with
#       aws ecr create-repository --repository-name NAME
#       --encryption-configuration encryptionType=KMS,kmsKey=arn:aws:kms:REGION:ACCOUNT:key/KEY_ID
#       and replicate or re-push the images into it.
#     terraform: |-
#       resource "aws_ecr_repository" "app" {
#         name = "app"
#         encryption_configuration {
#           encryption_type = "KMS"
#           kms_key         = aws_kms_key.ecr.arn
#         }
#       }
package ecr.kms_cmk

import data.lib.verdict as outcome

_encryption := input.repository.encryptionConfiguration

_type := _encryption.encryptionType

_arn := _encryption.kmsKey

_key := input.kmsKey

_allowed := {a | some a in data.ecrscan.config.kms_key_arns}

_kms if {
	is_string(_type)
	startswith(_type, "KMS")
}

_known_encryption if is_object(_encryption)

_listed if _arn in _allowed

_listed if _key.Arn in _allowed

_allow_list_set if count(_allowed) > 0

# A planned key (ecrscan iac) has no ARN before apply: its KeyId is then its address.
_key_text := _arn if is_string(_arn) else := _key.KeyId if is_string(_key.KeyId) else := "(no key ARN)"

# For planned infrastructure, errors.kmsKey says the key is not declared in the source, so its
# KeyManager is unknown; a key the allow-list names needs no KeyManager to pass.
_key_error if {
	input.errors.kmsKey != null
	not _planned_and_listed
}

_planned_and_listed if {
	input.origin == "iac"
	_listed
}

verdict := outcome.error(input.errors.kmsKey) if {
	_kms
	_key_error
} else := v if {
	# Planned infrastructure: an encryption type known only after apply or deploy.
	v := outcome.errors_of(input.errors, ["encryptionConfiguration"])
} else := {"status": "FAIL", "reason": "encryptionConfiguration is missing from the input, so the key cannot be shown to be customer-managed"} if {
	not _known_encryption
} else := {"status": "FAIL", "reason": "encryptionType is AES256: images are encrypted with a key AWS owns, not a customer-managed KMS key"} if {
	_type == "AES256"
} else := {"status": "FAIL", "reason": sprintf("encryptionType is \"%v\", not KMS", [_type])} if {
	not _kms
} else := {"status": "FAIL", "reason": concat("", ["kmsKey ", _key_text, " is the AWS managed key aws/ecr (KeyManager AWS), which no key policy of yours controls"])} if {
	_key.KeyManager == "AWS"
} else := {"status": "FAIL", "reason": concat("", ["kmsKey ", _key_text, " is not in kms_key_arns"])} if {
	_allow_list_set
	not _listed
} else := {"status": "PASS", "reason": concat("", ["encrypted with kmsKey ", _key_text, ", which kms_key_arns allows"])} if {
	_allow_list_set
} else := {"status": "PASS", "reason": concat("", ["encrypted with the customer-managed KMS key ", _key_text])} if {
	_key.KeyManager == "CUSTOMER"
} else := {"status": "FAIL", "reason": concat("", ["who manages kmsKey ", _key_text, " is missing from the input (DescribeKey), so it cannot be shown to be customer-managed"])}
