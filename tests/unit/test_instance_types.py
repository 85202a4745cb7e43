import re

import botocore.session
import pytest

from constructs_pkg import AcceleratorInstanceType
from constructs_pkg.instance_types import _SPECS
from constructs_pkg.runtime.eligibility import ACCELERATOR_FAMILIES, instance_family


def _botocore_accelerator_types() -> list[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    enum = model.shape_for("ProductionVariantInstanceType").enum
    return [t for t in enum if instance_family(t) in ACCELERATOR_FAMILIES]


def test_table_covers_every_accelerator_type_in_botocore():
    missing = sorted(set(_botocore_accelerator_types()) - set(_SPECS))
    assert missing == []


def test_every_accelerator_family_in_botocore_is_known():
    model = botocore.session.get_session().get_service_model("sagemaker")
    families = {instance_family(t) for t in model.shape_for("ProductionVariantInstanceType").enum}
    gpu_like = {f for f in families if f and re.match(r"^(g\d|p\d|inf|trn|dl)", f)}
    assert gpu_like <= ACCELERATOR_FAMILIES


def test_constants_resolve_to_table_entries():
    assert AcceleratorInstanceType.G6_2XLARGE.name == "ml.g6.2xlarge"
    assert AcceleratorInstanceType.G6_2XLARGE.spec.accelerators == 1
    assert AcceleratorInstanceType.G6E_12XLARGE.spec.accelerators == 4
    assert AcceleratorInstanceType.P5_48XLARGE.spec.memory_mib == 2048 * 1024


def test_of_accepts_accelerator_types():
    assert AcceleratorInstanceType.of("ml.g7e.12xlarge").spec.accelerators == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("g6.2xlarge", r"instance_type must start with 'ml\.'.*got 'g6.2xlarge'"),
        ("ml.m5.xlarge", r"instance_type must be an accelerator instance type .*g6.*got 'ml.m5.xlarge'"),
        ("ml.c7i.large", r"accelerator instance type"),
    ],
)
def test_of_rejects_non_accelerator_types(value, message):
    with pytest.raises(ValueError, match=message):
        AcceleratorInstanceType.of(value)
