"""Accelerator instance types for inference-component endpoints, with their size per instance."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from aws_cdk import Token

from .errors import invalid
from .runtime.eligibility import ACCELERATOR_FAMILIES, instance_family


@dataclass(frozen=True)
class InstanceSpec:
    """What one instance offers to the inference components placed on it."""

    accelerators: int
    memory_gib: int
    #: Whether SageMaker attaches an EBS ML storage volume, so ``VolumeSizeInGB`` applies (False: NVMe instance
    #: storage only, and SageMaker refuses ``VolumeSizeInGB``). See ``_INSTANCE_STORAGE_ONLY``.
    ebs_volume: bool = True

    @property
    def memory_mib(self) -> int:
        return self.memory_gib * 1024


#: Types in the table below that take no EBS volume (NVMe instance storage only), so ``VolumeSizeInGB`` is refused.
#: Source: the SageMaker Python SDK's ``volume_size_supported`` (sagemaker-core ``common_utils.py``, 2026-08): "Any
#: instance type with a "d" in the instance family (i.e. c5d, p4d, etc) + g5 or g6 or p5 does not support attaching an
#: EBS volume", plus trn1 (aws/sagemaker-python-sdk#4828: "this instance family does not support attaching an ebs
#: volume, hence volume size argument throws a service exception"); g4dn confirmed by a docs maintainer
#: (awsdocs/amazon-sagemaker-developer-guide#80: "We don't attach an EBS volume because it has a local SSD for g4dn").
#: Written out per type rather than derived, so that a new family is a decision, not an accident of its name.
_INSTANCE_STORAGE_ONLY = frozenset(
    [
        "ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge", "ml.g4dn.12xlarge",
        "ml.g4dn.16xlarge",
        "ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.12xlarge", "ml.g5.16xlarge",
        "ml.g5.24xlarge", "ml.g5.48xlarge",
        "ml.g6.xlarge", "ml.g6.2xlarge", "ml.g6.4xlarge", "ml.g6.8xlarge", "ml.g6.12xlarge", "ml.g6.16xlarge",
        "ml.g6.24xlarge", "ml.g6.48xlarge",
        "ml.g6e.xlarge", "ml.g6e.2xlarge", "ml.g6e.4xlarge", "ml.g6e.8xlarge", "ml.g6e.12xlarge", "ml.g6e.16xlarge",
        "ml.g6e.24xlarge", "ml.g6e.48xlarge",
        "ml.p4d.24xlarge", "ml.p4de.24xlarge",
        "ml.p5.4xlarge", "ml.p5.48xlarge", "ml.p5e.48xlarge", "ml.p5en.48xlarge",
        "ml.trn1.2xlarge", "ml.trn1.32xlarge", "ml.trn1n.32xlarge",
        "ml.dl1.24xlarge",
    ]
)  # fmt: skip

# Accelerators and host memory for every accelerator type in botocore 1.44.5's ProductionVariantInstanceType enum.
# Source: Amazon EC2 "Accelerated computing instance specifications"
# (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html); G7/G7e sizes as published at their launch (2026-06-18).
# For Neuron instances (inf*, trn*) the count is NeuronCores, not chips: SageMaker's unit for
# NumberOfAcceleratorDevicesRequired on Neuron is not confirmed, and the larger number never rejects a valid request.
_SPECS: dict[str, InstanceSpec] = {
    name: InstanceSpec(acc, mem, ebs_volume=name not in _INSTANCE_STORAGE_ONLY)
    for name, acc, mem in [
        ("ml.g4dn.xlarge", 1, 16), ("ml.g4dn.2xlarge", 1, 32), ("ml.g4dn.4xlarge", 1, 64),
        ("ml.g4dn.8xlarge", 1, 128), ("ml.g4dn.12xlarge", 4, 192), ("ml.g4dn.16xlarge", 1, 256),
        ("ml.g5.xlarge", 1, 16), ("ml.g5.2xlarge", 1, 32), ("ml.g5.4xlarge", 1, 64), ("ml.g5.8xlarge", 1, 128),
        ("ml.g5.12xlarge", 4, 192), ("ml.g5.16xlarge", 1, 256), ("ml.g5.24xlarge", 4, 384), ("ml.g5.48xlarge", 8, 768),
        ("ml.g6.xlarge", 1, 16), ("ml.g6.2xlarge", 1, 32), ("ml.g6.4xlarge", 1, 64), ("ml.g6.8xlarge", 1, 128),
        ("ml.g6.12xlarge", 4, 192), ("ml.g6.16xlarge", 1, 256), ("ml.g6.24xlarge", 4, 384), ("ml.g6.48xlarge", 8, 768),
        ("ml.g6e.xlarge", 1, 32), ("ml.g6e.2xlarge", 1, 64), ("ml.g6e.4xlarge", 1, 128), ("ml.g6e.8xlarge", 1, 256),
        ("ml.g6e.12xlarge", 4, 384), ("ml.g6e.16xlarge", 1, 512), ("ml.g6e.24xlarge", 4, 768),
        ("ml.g6e.48xlarge", 8, 1536),
        ("ml.g7.2xlarge", 1, 32), ("ml.g7.4xlarge", 1, 64), ("ml.g7.8xlarge", 2, 128), ("ml.g7.12xlarge", 4, 192),
        ("ml.g7.24xlarge", 4, 384), ("ml.g7.48xlarge", 8, 768),
        ("ml.g7e.2xlarge", 1, 64), ("ml.g7e.4xlarge", 1, 128), ("ml.g7e.8xlarge", 1, 256),
        ("ml.g7e.12xlarge", 2, 512), ("ml.g7e.24xlarge", 4, 1024), ("ml.g7e.48xlarge", 8, 2048),
        ("ml.p2.xlarge", 1, 61), ("ml.p2.8xlarge", 8, 488), ("ml.p2.16xlarge", 16, 732),
        ("ml.p3.2xlarge", 1, 61), ("ml.p3.8xlarge", 4, 244), ("ml.p3.16xlarge", 8, 488),
        ("ml.p4d.24xlarge", 8, 1152), ("ml.p4de.24xlarge", 8, 1152),
        ("ml.p5.4xlarge", 1, 256), ("ml.p5.48xlarge", 8, 2048), ("ml.p5e.48xlarge", 8, 2048),
        ("ml.p5en.48xlarge", 8, 2048), ("ml.p6-b200.48xlarge", 8, 2048), ("ml.p6-b300.48xlarge", 8, 4096),
        ("ml.p6e-gb200.36xlarge", 4, 960),
        ("ml.inf1.xlarge", 4, 8), ("ml.inf1.2xlarge", 4, 16), ("ml.inf1.6xlarge", 16, 48),
        ("ml.inf1.24xlarge", 64, 192),
        ("ml.inf2.xlarge", 2, 16), ("ml.inf2.8xlarge", 2, 128), ("ml.inf2.24xlarge", 12, 384),
        ("ml.inf2.48xlarge", 24, 768),
        ("ml.trn1.2xlarge", 2, 32), ("ml.trn1.32xlarge", 32, 512), ("ml.trn1n.32xlarge", 32, 512),
        ("ml.trn2.48xlarge", 128, 2048),
        ("ml.dl1.24xlarge", 8, 768),
    ]
}  # fmt: skip


#: Families whose accelerators are AWS Neuron devices (Inferentia, Trainium), not GPUs.
NEURON_FAMILY_PREFIXES = ("inf", "trn")


class AcceleratorInstanceType:
    """An accelerator instance type for SageMaker hosting: ``AcceleratorInstanceType.G6_2XLARGE`` or ``.of("ml.g6e.12xlarge")``.

    Only accelerator families are accepted, because AWS's container image cache only applies to them.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def of(cls, name: str) -> AcceleratorInstanceType:
        """Any accelerator instance type by name; a token is accepted unchecked."""
        # A token is recognized in Python first: each jsii call costs synth time (17 constants are built at import).
        if not (isinstance(name, str) and "${Token[" in name and Token.is_unresolved(name)):
            if not isinstance(name, str) or not name.startswith("ml."):
                raise invalid(
                    "AcceleratorInstanceType",
                    f"instance_type must start with 'ml.' (for example 'ml.g6.2xlarge'), got {name!r}",
                )
            family = instance_family(name)
            if family not in ACCELERATOR_FAMILIES:
                raise invalid(
                    "AcceleratorInstanceType",
                    f"instance_type must be an accelerator instance type (families: "
                    f"{', '.join(sorted(ACCELERATOR_FAMILIES))}), got {name!r}",
                )
            if name not in _SPECS:
                # The table covers every accelerator type botocore accepts for a variant: anything else is a typo,
                # and accepting it would silently skip every capacity check.
                nearest = difflib.get_close_matches(name, _SPECS, n=3, cutoff=0.6)
                hint = f"; did you mean {' or '.join(repr(n) for n in nearest)}?" if nearest else ""
                raise invalid(
                    "AcceleratorInstanceType",
                    f"instance_type {name!r} is not a SageMaker hosting size of the {family} family (sizes: "
                    f"{', '.join(n for n in _SPECS if instance_family(n) == family)}){hint}",
                )
        return cls(name)

    @property
    def is_neuron(self) -> bool:
        """AWS Inferentia or Trainium (inf*, trn*): NeuronCores, not GPUs. False for a token."""
        family = instance_family(self.name) if isinstance(self.name, str) else None
        return family is not None and family.startswith(NEURON_FAMILY_PREFIXES)

    @property
    def spec(self) -> InstanceSpec | None:
        """Accelerators and memory per instance; None for a token (``of`` refuses sizes missing from the table)."""
        return _SPECS.get(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"AcceleratorInstanceType({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AcceleratorInstanceType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    # Common choices for generative-AI inference; any other accelerator type works through of().
    G5_XLARGE: AcceleratorInstanceType
    G5_2XLARGE: AcceleratorInstanceType
    G5_12XLARGE: AcceleratorInstanceType
    G5_48XLARGE: AcceleratorInstanceType
    G6_XLARGE: AcceleratorInstanceType
    G6_2XLARGE: AcceleratorInstanceType
    G6_12XLARGE: AcceleratorInstanceType
    G6_48XLARGE: AcceleratorInstanceType
    G6E_XLARGE: AcceleratorInstanceType
    G6E_2XLARGE: AcceleratorInstanceType
    G6E_12XLARGE: AcceleratorInstanceType
    G6E_48XLARGE: AcceleratorInstanceType
    P4D_24XLARGE: AcceleratorInstanceType
    P5_48XLARGE: AcceleratorInstanceType
    INF2_XLARGE: AcceleratorInstanceType
    INF2_48XLARGE: AcceleratorInstanceType
    TRN1_32XLARGE: AcceleratorInstanceType


for _attr in AcceleratorInstanceType.__annotations__:
    _name = "ml." + _attr.lower().replace("_", ".", 1)
    setattr(AcceleratorInstanceType, _attr, AcceleratorInstanceType.of(_name))
